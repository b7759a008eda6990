/* templates/dense_simd_dwn.c — the kernel gradient of a dense layer whose
 * outputs are not whole vectors (the 10-class head after a flatten) on a
 * SIMD target: vectors run over the inputs instead, I a multiple of VW.
 * RO outputs times IV vectors of inputs stay in registers over the batch:
 * each sample loads IV input vectors and broadcasts RO gradients, summed in
 * sample order within each sample group and the groups' blocks in their tree
 * (prelude.c; the same for any thread or rank count), then the block is
 * written out transposed into dw[I][O]. The scalar twin is dense_dw in
 * templates/dense.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define I 40
#define O 10
#define RO 5
#define IV 2
#endif
#ifndef NNC_BATCH /* the generated file defines it */
#define NNC_BATCH 32
#endif
/* nnc:defaults end */

#define NIV (I / NNC_VW) /* input vectors */

/* outputs [o0, o0 + nr), input vectors [v0, v0 + nv) */
NNC_INLINE void dense_simd_dwn_block(nnc_real *restrict dw, const nnc_real *restrict dy,
                                     const nnc_real *restrict x, int n, int o0, int v0,
                                     const int nr, const int nv)
{
    nnc_vec acc[8][RO][IV]; /* one block per sample group, then their tree */
    const int k = nnc_groups_present(n, NNC_BATCH);
    for (int g = 0; g < k; g++) {
        nnc_vec a[RO][IV]; /* in registers over the group */
        for (int r = 0; r < nr; r++)
            for (int v = 0; v < nv; v++)
                a[r][v] = nnc_vzero();
        long s1 = nnc_group_start(g + 1, n, NNC_BATCH);
        for (long s = nnc_group_start(g, n, NNC_BATCH); s < s1; s++) {
            nnc_vec xv[IV];
            for (int v = 0; v < nv; v++)
                xv[v] = nnc_vload(x + s * I + (v0 + v) * NNC_VW);
            for (int r = 0; r < nr; r++) {
                nnc_vec gb = nnc_vset1(dy[s * O + o0 + r]);
                for (int v = 0; v < nv; v++)
                    a[r][v] = nnc_vfma(gb, xv[v], a[r][v]);
            }
        }
        for (int r = 0; r < nr; r++)
            for (int v = 0; v < nv; v++)
                acc[g][r][v] = a[r][v];
    }
#define NNC_ADD_ACC_(a, b)                                                     \
    for (int r = 0; r < nr; r++)                                               \
        for (int v = 0; v < nv; v++)                                           \
            acc[a][r][v] = nnc_vadd(acc[a][r][v], acc[b][r][v])
    NNC_TREE(k, NNC_GROUPS(NNC_BATCH), NNC_ADD_ACC_);
#undef NNC_ADD_ACC_
    NNC_ALIGN nnc_real t[RO][IV * NNC_VW];
    for (int r = 0; r < nr; r++)
        for (int v = 0; v < nv; v++)
            nnc_vstore(&t[r][v * NNC_VW], k ? acc[0][r][v] : nnc_vzero());
    for (int i = 0; i < nv * NNC_VW; i++)
        for (int r = 0; r < nr; r++)
            dw[(long)(v0 * NNC_VW + i) * O + o0 + r] = t[r][i];
}

/* dw[I][O] = x^T dy */
static void dense_simd_dwn(nnc_real *restrict dw, const nnc_real *restrict dy,
                           const nnc_real *restrict x, nnc_real *restrict unused, int n)
{
    (void)unused;
    const int oblocks = (O + RO - 1) / RO, vblocks = (NIV + IV - 1) / IV;
#pragma omp parallel for schedule(static)
    for (int u = 0; u < vblocks * oblocks; u++) {
        int v0 = u / oblocks * IV, o0 = u % oblocks * RO;
        int nr = o0 + RO <= O ? RO : O - o0, nv = v0 + IV <= NIV ? IV : NIV - v0;
        if (nr == RO && nv == IV)
            dense_simd_dwn_block(dw, dy, x, n, o0, v0, RO, IV);
        else
            dense_simd_dwn_block(dw, dy, x, n, o0, v0, nr, nv);
    }
}

#undef NIV
