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

/* Sample groups (spec/distributed.md): every gradient of a batch is summed
 * from G = min(batch, 8) groups, group g the samples [batch*g/G,
 * batch*(g+1)/G) of the n present, each group's sum in sample order and the
 * groups' sums in one fixed binary tree (nnc_tree). A rank of a distributed
 * fit holds whole subtrees, so any rank count reaches the same sums. */
#define NNC_GROUPS(batch) ((batch) < 8 ? (batch) : 8)
NNC_MAYBE_UNUSED static inline long nnc_group_start(int g, long n, long batch)
{
    long s = batch * g / NNC_GROUPS(batch);
    return s < n ? s : n;
}

/* The groups that hold samples: the first k. */
NNC_MAYBE_UNUSED static inline int nnc_groups_present(long n, long batch)
{
    int k = 0;
    while (k < NNC_GROUPS(batch) && nnc_group_start(k, n, batch) < n)
        k++;
    return k;
}

/* The tree over the first k of G leaves v[g] (the rest are empty): pairs
 * (0,1), (2,3), ... then (0,2), (4,6), ...; a node whose right child is
 * empty is its left child. The root lands in v[0]. */
#define NNC_TREE(k, G, ADD)                                                    \
    for (int nnc_w_ = 1; nnc_w_ < (G); nnc_w_ *= 2)                            \
        for (int nnc_g_ = 0; nnc_g_ + nnc_w_ < (k); nnc_g_ += 2 * nnc_w_)      \
            ADD(nnc_g_, nnc_g_ + nnc_w_)

/* out[c] = sum of the n rows of m[n][C] (a bias gradient from per-sample
 * sums): each group's rows in order, then the groups' tree. The rows are
 * read once, in order, a chunk of columns at a time (a separable conv's
 * pointwise bias sums batch x pixels rows; reading column by column read
 * its whole gradient once per channel). */
#define NNC_SUM_COLS 64
NNC_MAYBE_UNUSED static inline void nnc_sum_rows(nnc_real *restrict out,
                                                 const nnc_real *restrict m, long n, int c,
                                                 long batch)
{
    int k = nnc_groups_present(n, batch);
    for (int j0 = 0; j0 < c; j0 += NNC_SUM_COLS) {
        const int nj = c - j0 < NNC_SUM_COLS ? c - j0 : NNC_SUM_COLS;
        nnc_real gs[8][NNC_SUM_COLS];
        for (int g = 0; g < k; g++) {
            for (int j = 0; j < nj; j++)
                gs[g][j] = 0;
            for (long i = nnc_group_start(g, n, batch); i < nnc_group_start(g + 1, n, batch); i++)
                for (int j = 0; j < nj; j++)
                    gs[g][j] += m[i * c + j0 + j];
        }
#define NNC_ADD_GS_(a, b)                                                      \
    for (int j = 0; j < nj; j++)                                               \
        gs[a][j] += gs[b][j]
        NNC_TREE(k, NNC_GROUPS(batch), NNC_ADD_GS_);
#undef NNC_ADD_GS_
        for (int j = 0; j < nj; j++)
            out[j0 + j] = k ? gs[0][j] : 0;
    }
}

/* Distributed fit: a call sees n samples of a batch whose gradient is the
 * mean over nnc_mean_n (0: n), and the loss templates write each sample's
 * loss to nnc_loss_out[s] when it is set. */
NNC_MAYBE_UNUSED static int nnc_mean_n;
NNC_MAYBE_UNUSED static double *nnc_loss_out;

/* dst[i] += src[i]: a later consumer's part of a value's gradient, added in
 * one fixed order. */
NNC_MAYBE_UNUSED static inline void nnc_add_to(nnc_real *restrict dst,
                                               const nnc_real *restrict src, long count)
{
    for (long i = 0; i < count; i++)
        dst[i] += src[i];
}
