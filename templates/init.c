/* templates/init.c — Keras initializers from a seeded generator. splitmix64 is
 * small, has no state beyond one word, and gives the same stream everywhere. */
/* nnc:defaults begin */
#include "prelude.c"
/* nnc:defaults end */

static uint64_t nnc_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* glorot_uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)). */
NNC_MAYBE_UNUSED static void nnc_glorot_uniform(nnc_real *w, long count, int fan_in, int fan_out, uint64_t *state)
{
    double limit = sqrt(6.0 / (fan_in + fan_out));
    for (long i = 0; i < count; i++) {
        double u = (double)(nnc_splitmix64(state) >> 11) * 0x1.0p-53; /* [0,1) */
        w[i] = (nnc_real)((2 * u - 1) * limit);
    }
}

NNC_MAYBE_UNUSED static void nnc_init_ones(nnc_real *w, long count)
{
    for (long i = 0; i < count; i++)
        w[i] = 1;
}
