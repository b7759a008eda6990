/* templates/activation.c — a Keras activation as a layer: y = f(x) element by
 * element, or softmax over the last axis (the channels of each pixel). The
 * backward pass takes what f' needs: relu the output, the smooth ones the
 * input. ACT is the ACT_* number of compiler/nnc.h; the C compiler keeps only
 * its case. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define COUNT 24 /* values per sample */
#define C 4      /* channels: softmax's axis */
#define ACT 7    /* gelu */
#define ALPHA ((nnc_real)0.2)
#endif
/* nnc:defaults end */

/* ACT_*: linear 0, relu 1, softmax 2, sigmoid 3, relu6 4, leaky_relu 5, elu 6,
 * gelu 7, gelu (tanh approximation) 8, tanh 9, swish 10 */
static inline nnc_real activation_f(nnc_real x)
{
    const nnc_real k = (nnc_real)0.7978845608028654; /* sqrt(2 / pi) */
    switch (ACT) {
    case 1: return x > 0 ? x : 0;
    case 3: return 1 / (1 + nnc_exp(-x));
    case 4: return x > 0 ? (x < 6 ? x : 6) : 0;
    case 5: return x > 0 ? x : ALPHA * x;
    case 6: return x > 0 ? x : ALPHA * (nnc_exp(x) - 1);
    case 7: return (nnc_real)0.5 * x * (1 + nnc_erf(x * (nnc_real)0.7071067811865476));
    case 8: return (nnc_real)0.5 * x * (1 + nnc_tanh(k * (x + (nnc_real)0.044715 * x * x * x)));
    case 9: return nnc_tanh(x);
    case 10: return x / (1 + nnc_exp(-x));
    default: return x;
    }
}

/* f'(x) from x and y = f(x) */
static inline nnc_real activation_df(nnc_real x, nnc_real y)
{
    const nnc_real k = (nnc_real)0.7978845608028654;
    switch (ACT) {
    case 1: return y > 0;
    case 3: return y * (1 - y);
    case 4: return x > 0 && x < 6;
    case 5: return x > 0 ? 1 : ALPHA;
    case 6: return x > 0 ? 1 : y + ALPHA;
    case 7: /* Phi(x) + x phi(x) */
        return (nnc_real)0.5 * (1 + nnc_erf(x * (nnc_real)0.7071067811865476)) +
               x * nnc_exp(-(nnc_real)0.5 * x * x) * (nnc_real)0.3989422804014327;
    case 8: {
        nnc_real t = nnc_tanh(k * (x + (nnc_real)0.044715 * x * x * x));
        return (nnc_real)0.5 * (1 + t) +
               (nnc_real)0.5 * x * (1 - t * t) * k * (1 + (nnc_real)0.134145 * x * x);
    }
    case 9: return 1 - y * y;
    case 10: {
        nnc_real s = 1 / (1 + nnc_exp(-x));
        return s * (1 + x * (1 - s));
    }
    default: return 1;
    }
}

/* softmax over each group of C values, stable (the maximum subtracted) */
static void activation_softmax(nnc_real *restrict y, const nnc_real *restrict x, long groups)
{
    for (long g = 0; g < groups; g++) {
        const nnc_real *xs = x + g * C;
        nnc_real *ys = y + g * C, mx = xs[0], sum = 0;
        for (int c = 1; c < C; c++)
            mx = xs[c] > mx ? xs[c] : mx;
        for (int c = 0; c < C; c++)
            sum += ys[c] = nnc_exp(xs[c] - mx);
        for (int c = 0; c < C; c++)
            ys[c] /= sum;
    }
}

NNC_MAYBE_UNUSED static void activation_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                                            int n)
{
    if (ACT == 2) {
        activation_softmax(y, x, (long)n * (COUNT / C));
        return;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < (long)n * COUNT; i++)
        y[i] = activation_f(x[i]);
}

/* dx = f'(x) dy; softmax: dx = y (dy - sum(dy y)) over each group */
NNC_MAYBE_UNUSED static void activation_bwd(nnc_real *restrict dx, const nnc_real *restrict dy,
                                            const nnc_real *restrict x,
                                            const nnc_real *restrict y, int n)
{
    if (ACT == 2) {
        for (long g = 0; g < (long)n * (COUNT / C); g++) {
            nnc_real dot = 0;
            for (int c = 0; c < C; c++)
                dot += dy[g * C + c] * y[g * C + c];
            for (int c = 0; c < C; c++)
                dx[g * C + c] = y[g * C + c] * (dy[g * C + c] - dot);
        }
        return;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < (long)n * COUNT; i++)
        dx[i] = activation_df(x[i], y[i]) * dy[i];
}
