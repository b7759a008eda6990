/* templates/augment_rng.c — the random draws of augmentation. A counter-based
 * generator: every draw is a hash of (seed, epoch, sample id, op, draw), not
 * the next number of a stream, so a sample's augmentation is the same whatever
 * the thread count, the batch it lands in or the order samples are visited. */
/* nnc:defaults begin */
#include "prelude.c"
/* nnc:defaults end */

/* splitmix64's finalizer: a bijection on 64 bits with full avalanche. */
static uint64_t nnc_aug_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. Each key is folded in with its own
 * constant and a full mix, so neighbouring keys give unrelated draws. */
NNC_MAYBE_UNUSED static double nnc_aug_uniform(uint64_t seed, int64_t epoch, uint64_t id, int op,
                                               int draw)
{
    uint64_t h = nnc_aug_mix(seed + 0x9e3779b97f4a7c15ULL);
    h = nnc_aug_mix(h ^ ((uint64_t)epoch + 0x6a09e667f3bcc909ULL));
    h = nnc_aug_mix(h ^ (id + 0xbb67ae8584caa73bULL));
    h = nnc_aug_mix(h ^ (((uint64_t)(uint32_t)op << 32 | (uint32_t)draw) + 0x3c6ef372fe94f82bULL));
    return (double)(h >> 11) * 0x1.0p-53;
}

/* lo + (hi - lo) u: Keras's uniform(minval, maxval). */
NNC_MAYBE_UNUSED static double nnc_aug_between(double u, double lo, double hi)
{
    return lo + (hi - lo) * u;
}
