/* templates/concatenate.c — channels-last concatenation: input x of cin
 * channels per pixel goes to channels [off, off + cin) of each of the PIXELS
 * pixels of y (CT channels); backward takes that slice of dy back. One call
 * per input. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define PIXELS 35
#define CT 7
#endif
/* nnc:defaults end */

static void concatenate_fwd(nnc_real *restrict y, const nnc_real *restrict x, int cin, int off,
                            int n)
{
#pragma omp parallel for schedule(static)
    for (long p = 0; p < (long)n * PIXELS; p++)
        memcpy(y + p * CT + off, x + p * cin, sizeof *y * (size_t)cin);
}

NNC_MAYBE_UNUSED static void concatenate_bwd(nnc_real *restrict dx, const nnc_real *restrict dy,
                                             int cin, int off, int n)
{
#pragma omp parallel for schedule(static)
    for (long p = 0; p < (long)n * PIXELS; p++)
        memcpy(dx + p * cin, dy + p * CT + off, sizeof *dx * (size_t)cin);
}
