/* templates/dropout.c — Keras Dropout and SpatialDropout2D in fit: each of
 * the GROUPS units of a sample (every value; spatial: every channel, over all
 * pixels) is dropped with probability rate and the kept values are scaled by
 * SCALE = 1 / (1 - rate), so that inference, where the layer is its input,
 * sees the same expectation. The mask is counter-based: unit g of sample id
 * in epoch epoch is dropped when the top 53 bits of
 *     splitmix64_mix(key(seed, epoch, id, STREAM) + (g + 1) * golden)
 * are below THRESH = ceil(rate * 2^53) (a uniform draw u < rate), where key
 * folds each part in with its own constant and a full mix (as augmentation's
 * draws, templates/augment_rng.c) and STREAM is the node's own number. A mask
 * is therefore the same whatever the thread count, batch or --resume; it is
 * kept per sample (one byte a unit) for the backward pass. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define COUNT 24                   /* values per sample */
#define GROUPS 24                  /* units of the mask per sample: COUNT, or C (spatial) */
#define C 4                        /* channels */
#define SPATIAL 0                  /* one draw per channel instead of per value */
#define THRESH 4503599627370496ULL /* ceil(0.5 * 2^53) */
#define SCALE ((nnc_real)2)
#define STREAM 0x9ae16a3b2f90404fULL
#endif
/* nnc:defaults end */

/* splitmix64's finalizer: a bijection on 64 bits with full avalanche. */
static inline uint64_t dropout_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Everything a sample's mask depends on but the unit. */
static inline uint64_t dropout_key(uint64_t seed, int64_t epoch, uint64_t id)
{
    uint64_t h = dropout_mix(seed + 0x9e3779b97f4a7c15ULL);
    h = dropout_mix(h ^ ((uint64_t)epoch + 0x6a09e667f3bcc909ULL));
    h = dropout_mix(h ^ (id + 0xbb67ae8584caa73bULL));
    return dropout_mix(h ^ (STREAM + 0xa54ff53a5f1d36f1ULL));
}

/* y = x * mask * SCALE; mask[s][g] = 1 where unit g of sample s is kept.
 * ids: the samples' indices in the training set (NULL: 0..n-1). */
NNC_MAYBE_UNUSED static void dropout_fwd(nnc_real *restrict y, unsigned char *restrict mask,
                                         const nnc_real *restrict x, int n, uint64_t seed,
                                         int64_t epoch, const uint64_t *ids)
{
#pragma omp parallel for schedule(static)
    for (int s = 0; s < n; s++) {
        uint64_t h = dropout_key(seed, epoch, ids ? ids[s] : (uint64_t)s);
        unsigned char *ms = mask + (size_t)s * GROUPS;
        /* kept: draw >= THRESH, written so that rate 0 has no always-true compare */
        for (long g = 0; g < GROUPS; g++)
            ms[g] = (dropout_mix(h + (uint64_t)(g + 1) * 0x9e3779b97f4a7c15ULL) >> 11) + 1 > THRESH;
        const nnc_real *xs = x + (size_t)s * COUNT;
        nnc_real *ys = y + (size_t)s * COUNT;
        for (long i = 0; i < COUNT; i++)
            ys[i] = ms[SPATIAL ? i % C : i] ? xs[i] * SCALE : 0;
    }
}

/* dx = dy * mask * SCALE */
NNC_MAYBE_UNUSED static void dropout_bwd(nnc_real *restrict dx, const nnc_real *restrict dy,
                                         const unsigned char *restrict mask, int n)
{
#pragma omp parallel for schedule(static)
    for (int s = 0; s < n; s++) {
        const unsigned char *ms = mask + (size_t)s * GROUPS;
        for (long i = 0; i < COUNT; i++) {
            long k = (long)s * COUNT + i;
            dx[k] = ms[SPATIAL ? i % C : i] ? dy[k] * SCALE : 0;
        }
    }
}
