/* templates/init_scaling.c — Keras's VarianceScaling initializers beyond the
 * default glorot_uniform (templates/init.c): glorot_normal, he_normal,
 * he_uniform, lecun_normal, lecun_uniform. Emitted only when a tensor uses
 * one, from the same splitmix64 stream. */
/* nnc:defaults begin */
#include "init.c"
/* nnc:defaults end */

/* Keras: scale / max(1, fan), fan = fan_in, or (fan_in + fan_out) / 2 */
NNC_MAYBE_UNUSED static double nnc_init_variance(double scale, int fan_in, int fan_out, int avg)
{
    double fan = avg ? (fan_in + fan_out) / 2.0 : fan_in;
    return scale / (fan > 1 ? fan : 1);
}

/* U(-limit, limit), limit = sqrt(3 variance) */
NNC_MAYBE_UNUSED static void nnc_init_uniform(nnc_real *w, long count, double variance,
                                              uint64_t *state)
{
    double limit = sqrt(3 * variance);
    for (long i = 0; i < count; i++) {
        double u = (double)(nnc_splitmix64(state) >> 11) * 0x1.0p-53; /* [0,1) */
        w[i] = (nnc_real)((2 * u - 1) * limit);
    }
}

/* Keras's truncated normal: N(0, stddev) redrawn beyond 2 stddev, with
 * stddev = sqrt(variance) / 0.87962566103423978 (the standard deviation of a
 * unit normal truncated to [-2, 2]), so the variance is the one asked for.
 * Box-Muller on two draws, the cosine half. */
NNC_MAYBE_UNUSED static void nnc_init_truncated(nnc_real *w, long count, double variance,
                                                uint64_t *state)
{
    double sd = sqrt(variance) / 0.87962566103423978;
    for (long i = 0; i < count; i++) {
        double z;
        do {
            double u1 = 1 - (double)(nnc_splitmix64(state) >> 11) * 0x1.0p-53; /* (0, 1] */
            double u2 = (double)(nnc_splitmix64(state) >> 11) * 0x1.0p-53;
            z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
        } while (z < -2 || z > 2);
        w[i] = (nnc_real)(z * sd);
    }
}

/* glorot: fan_avg, scale 1; he: fan_in, scale 2; lecun: fan_in, scale 1 */
NNC_MAYBE_UNUSED static void nnc_glorot_normal(nnc_real *w, long count, int fan_in, int fan_out,
                                               uint64_t *state)
{
    nnc_init_truncated(w, count, nnc_init_variance(1, fan_in, fan_out, 1), state);
}

NNC_MAYBE_UNUSED static void nnc_he_normal(nnc_real *w, long count, int fan_in, int fan_out,
                                           uint64_t *state)
{
    nnc_init_truncated(w, count, nnc_init_variance(2, fan_in, fan_out, 0), state);
}

NNC_MAYBE_UNUSED static void nnc_he_uniform(nnc_real *w, long count, int fan_in, int fan_out,
                                            uint64_t *state)
{
    nnc_init_uniform(w, count, nnc_init_variance(2, fan_in, fan_out, 0), state);
}

NNC_MAYBE_UNUSED static void nnc_lecun_normal(nnc_real *w, long count, int fan_in, int fan_out,
                                              uint64_t *state)
{
    nnc_init_truncated(w, count, nnc_init_variance(1, fan_in, fan_out, 0), state);
}

NNC_MAYBE_UNUSED static void nnc_lecun_uniform(nnc_real *w, long count, int fan_in, int fan_out,
                                               uint64_t *state)
{
    nnc_init_uniform(w, count, nnc_init_variance(1, fan_in, fan_out, 0), state);
}
