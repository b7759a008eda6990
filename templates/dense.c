/* templates/dense.c — fully connected layer y = act(x W + b), kernel (I,O) as
 * in Keras, bias and ReLU fused. Inner loops run over the O outputs (or the I
 * inputs for dx, through a transposed kernel) so they vectorize. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define I 13
#define O 7
#define RELU 1
#define BIAS 1
#define NEED_DX 1
#define MASK_DY RELU /* 0 when the next layer applies the ReLU mask */
#endif
/* which kernels the backward pass uses: these scalar ones, or a SIMD target's */
#define dw_impl dense_dw
#define dx_impl dense_dx
#ifndef NNC_BATCH /* the generated file defines it */
#define NNC_BATCH 32
#endif
/* nnc:defaults end */

NNC_MAYBE_UNUSED static void dense_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                      const nnc_real *restrict w, const nnc_real *restrict b, int n)
{
    (void)b;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        nnc_real acc[O];
        for (int o = 0; o < O; o++)
            acc[o] = BIAS ? b[o] : 0;
        for (int i = 0; i < I; i++) {
            nnc_real xv = x[s * I + i];
            if (xv == 0) /* inputs after a ReLU are often zero */
                continue;
            for (int o = 0; o < O; o++)
                acc[o] += xv * w[(long)i * O + o];
        }
        for (int o = 0; o < O; o++)
            y[s * O + o] = RELU ? (acc[o] > 0 ? acc[o] : 0) : acc[o];
    }
}

/* dw[I][O]: each row summed over each sample group in order, then over the
 * groups' tree (prelude.c), whatever the threads or ranks; 64 outputs at a
 * time. (scratch: unused here, the SIMD twin packs x into it) */
NNC_MAYBE_UNUSED static void dense_dw(nnc_real *restrict dw, const nnc_real *restrict dy,
                                      const nnc_real *restrict x, nnc_real *restrict scratch,
                                      int n)
{
    (void)scratch;
    const int k = nnc_groups_present(n, NNC_BATCH);
#pragma omp parallel for schedule(static)
    for (int i = 0; i < I; i++) {
        nnc_real *d = dw + (long)i * O;
        for (int o0 = 0; o0 < O; o0 += 64) {
            int no = O - o0 < 64 ? O - o0 : 64;
            nnc_real gs[8][64];
            for (int g = 0; g < k; g++) {
                for (int o = 0; o < no; o++)
                    gs[g][o] = 0;
                long s1 = nnc_group_start(g + 1, n, NNC_BATCH);
                for (long s = nnc_group_start(g, n, NNC_BATCH); s < s1; s++) {
                    nnc_real xv = x[s * I + i];
                    if (xv == 0)
                        continue;
                    for (int o = 0; o < no; o++)
                        gs[g][o] += xv * dy[s * O + o0 + o];
                }
            }
#define NNC_ADD_GS_(a, b)                                                      \
    for (int o = 0; o < no; o++)                                               \
        gs[a][o] += gs[b][o]
            NNC_TREE(k, NNC_GROUPS(NNC_BATCH), NNC_ADD_GS_);
#undef NNC_ADD_GS_
            for (int o = 0; o < no; o++)
                d[o0 + o] = k ? gs[0][o] : 0;
        }
    }
}

/* dx[n][I] = dy W^T, through wt = W transposed so the inner loop runs over i. */
NNC_MAYBE_UNUSED static void dense_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                                      const nnc_real *restrict w, nnc_real *restrict wt, int n)
{
    for (int i = 0; i < I; i++)
        for (int o = 0; o < O; o++)
            wt[(long)o * I + i] = w[(long)i * O + o];
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++) {
        nnc_real *d = dx + s * I;
        for (int i = 0; i < I; i++)
            d[i] = 0;
        for (int o = 0; o < O; o++) {
            nnc_real g = dy[s * O + o];
            if (g == 0)
                continue;
            for (int i = 0; i < I; i++)
                d[i] += g * wt[(long)o * I + i];
        }
    }
}

NNC_MAYBE_UNUSED static void dense_bwd(nnc_real *restrict dx, nnc_real *restrict dw, nnc_real *restrict db,
                      nnc_real *restrict dy, const nnc_real *restrict x,
                      const nnc_real *restrict y, const nnc_real *restrict w,
                      nnc_real *restrict scratch, int n)
{
    (void)dx, (void)db, (void)y, (void)w, (void)scratch;
    if (MASK_DY)
        for (long i = 0; i < (long)n * O; i++)
            if (y[i] <= 0)
                dy[i] = 0;
    if (BIAS)
        nnc_sum_rows(db, dy, n, O, NNC_BATCH);
    dw_impl(dw, dy, x, scratch, n);
    if (NEED_DX)
        dx_impl(dx, dy, w, scratch, n);
}
