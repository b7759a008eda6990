/* templates/prelude.c — what every generated file starts with: the scalar type
 * (float; double when a test builds with -DNNC_DOUBLE for finite differences),
 * math helpers for that type, and a stand-in for OpenMP when built without it. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#else
static inline int omp_get_thread_num(void) { return 0; }
static inline int omp_get_num_threads(void) { return 1; }
#endif

#ifdef NNC_DOUBLE
typedef double nnc_real;
#define nnc_sqrt sqrt
#define nnc_exp exp
#define nnc_log log
#define nnc_erf erf
#define nnc_tanh tanh
#else
typedef float nnc_real;
#define nnc_sqrt sqrtf
#define nnc_exp expf
#define nnc_log logf
#define nnc_erf erff
#define nnc_tanh tanhf
#endif

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define NNC_ALIGN _Alignas(64)
#else /* C99 (an exported classifier): the compilers' own spelling */
#define NNC_ALIGN __attribute__((aligned(64)))
#endif

/* backward kernels go unused when no layer before them needs gradients */
#define NNC_MAYBE_UNUSED __attribute__((unused))

/* wt[k][co][ci] = w[k][ci][co] for each of `taps` kernel taps: a conv kernel
 * laid out for its input gradient, whose inner loop runs over ci. */
NNC_MAYBE_UNUSED static inline void nnc_transpose_taps(nnc_real *restrict wt,
                                                       const nnc_real *restrict w, int taps,
                                                       int ic, int oc)
{
    for (long k = 0; k < taps; k++)
        for (int ci = 0; ci < ic; ci++)
            for (int co = 0; co < oc; co++)
                wt[(k * oc + co) * ic + ci] = w[(k * ic + ci) * oc + co];
}

/* out[c] = sum of the n rows of m[n][C], added in row order: a bias gradient
 * from per-sample sums, the same for any thread count. */
NNC_MAYBE_UNUSED static inline void nnc_sum_rows(nnc_real *restrict out,
                                                 const nnc_real *restrict m, long n, int c)
{
    for (int j = 0; j < c; j++)
        out[j] = 0;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < c; j++)
            out[j] += m[i * c + j];
}

/* dst[i] += src[i]: a later consumer's part of a value's gradient, added in
 * one fixed order. */
NNC_MAYBE_UNUSED static inline void nnc_add_to(nnc_real *restrict dst,
                                               const nnc_real *restrict src, long count)
{
    for (long i = 0; i < count; i++)
        dst[i] += src[i];
}
