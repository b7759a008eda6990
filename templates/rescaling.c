/* templates/rescaling.c — y = x * SCALE + OFFSET (Keras Rescaling). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define COUNT 12
#define SCALE ((nnc_real)0.5)
#define OFFSET ((nnc_real)0)
#endif
/* nnc:defaults end */

static void rescaling_fwd(nnc_real *restrict y, const nnc_real *restrict x, int n)
{
    for (long i = 0; i < (long)n * COUNT; i++)
        y[i] = x[i] * SCALE + OFFSET;
}

NNC_MAYBE_UNUSED static void rescaling_bwd(nnc_real *restrict dx, const nnc_real *restrict dy, int n)
{
    for (long i = 0; i < (long)n * COUNT; i++)
        dx[i] = dy[i] * SCALE;
}
