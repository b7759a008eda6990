/* templates/augment_affine.c — resampling one H x W x C image through an affine
 * map (augment_matrix.c), the sampling of Keras 3's affine_transform with the
 * JAX/NumPy/PyTorch backends' map_coordinates:
 *   - bilinear: the 4 neighbours floor(x'), floor(x')+1 (and y) weighted by
 *     distance; nearest: x' rounded half to even (numpy/jax round);
 *   - every neighbour INDEX outside the image goes through FILL_MODE:
 *     0 reflect  d c b a | a b c d | d c b a
 *     1 wrap     a b c d | a b c d | a b c d
 *     2 constant k k k k | a b c d | k k k k   (k = FILL_VALUE)
 *     3 nearest  a a a a | a b c d | d d d d
 * Coordinates and weights are double, and points within 1e-9 px of a pixel
 * centre snap to it, so quarter turns and integer shifts copy pixels exactly. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define H 5
#define W 4
#define C 3
#define FILL_MODE 0
#define INTERP 0
#define FILL_VALUE 0.0
#endif
/* nnc:defaults end */

/* The pixel index for i along an axis of n pixels, or -1: the fill value. */
static long aug_affine_index(long i, long n)
{
    if (i >= 0 && i < n)
        return i;
    switch (FILL_MODE) {
    case 0: /* reflect, period 2n, edge pixel repeated */
        i %= 2 * n;
        i += i < 0 ? 2 * n : 0;
        return i < n ? i : 2 * n - 1 - i;
    case 1:
        i %= n;
        return i < 0 ? i + n : i;
    case 3:
        return i < 0 ? 0 : n - 1;
    default:
        return -1;
    }
}

/* A sample point within 1e-9 px of a pixel centre is on it: cos(pi/2) is
 * 6e-17, not 0, and a quarter turn would otherwise mix 1e-14 of a neighbour
 * into pixels that must come out exact. */
static double aug_affine_snap(double v)
{
    double r = nearbyint(v);
    return fabs(v - r) < 1e-9 ? r : v;
}

/* Adds weight * pixel (iy, ix) of x to acc[0..C). */
static void aug_affine_tap(double *acc, const nnc_real *x, long iy, long ix, double weight)
{
    iy = aug_affine_index(iy, H), ix = aug_affine_index(ix, W);
    for (int c = 0; c < C; c++)
        acc[c] += weight * (iy < 0 || ix < 0 ? FILL_VALUE : (double)x[(iy * W + ix) * C + c]);
}

/* y[oy][ox] = x sampled at t(ox, oy). y and x are distinct images. */
static void aug_affine(nnc_real *restrict y, const nnc_real *restrict x, const double t[6])
{
    for (int oy = 0; oy < H; oy++)
        for (int ox = 0; ox < W; ox++) {
            double sx = aug_affine_snap(t[0] * ox + t[1] * oy + t[2]);
            double sy = aug_affine_snap(t[3] * ox + t[4] * oy + t[5]);
            double acc[C] = {0};
            if (INTERP == 1) {
                aug_affine_tap(acc, x, (long)nearbyint(sy), (long)nearbyint(sx), 1);
            } else {
                double fy = floor(sy), fx = floor(sx), wy = sy - fy, wx = sx - fx;
                long iy = (long)fy, ix = (long)fx;
                aug_affine_tap(acc, x, iy, ix, (1 - wy) * (1 - wx));
                aug_affine_tap(acc, x, iy, ix + 1, (1 - wy) * wx);
                aug_affine_tap(acc, x, iy + 1, ix, wy * (1 - wx));
                aug_affine_tap(acc, x, iy + 1, ix + 1, wy * wx);
            }
            for (int c = 0; c < C; c++)
                y[((long)oy * W + ox) * C + c] = (nnc_real)acc[c];
        }
}
