/* templates/dense_simd_dw.c — the kernel gradient of a dense layer on a SIMD
 * target, dw[I][O] = x^T dy. The inputs are first packed RB rows at a time
 * (xp[I/RB][n][RB], rows past I zero): read in place, one sample's row lies
 * I floats from the next, and for large I those reads all fall in one cache
 * set. RB rows times OBV vectors of outputs then stay in registers over each
 * sample group, summed in sample order, and the groups' blocks are added in
 * their tree (prelude.c; the same result for any thread or rank count). The
 * scalar twin is dense_dw in templates/dense.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define I 13
#define O 32
#define RB 3
#define OBV 2
#endif
#ifndef NNC_BATCH /* the generated file defines it */
#define NNC_BATCH 32
#endif
/* nnc:defaults end */

NNC_INLINE void dense_simd_dw_block(nnc_real *restrict dw, const nnc_real *restrict dy,
                                    const nnc_real *restrict xp, int n, int i0, int ob,
                                    const int nr)
{
    nnc_vec acc[8][RB][OBV]; /* one block per sample group, then their tree */
    const int k = nnc_groups_present(n, NNC_BATCH);
    for (int g = 0; g < k; g++) {
        nnc_vec a[RB][OBV]; /* in registers over the group */
        for (int r = 0; r < RB; r++)
            for (int v = 0; v < OBV; v++)
                a[r][v] = nnc_vzero();
        long s1 = nnc_group_start(g + 1, n, NNC_BATCH);
        for (long s = nnc_group_start(g, n, NNC_BATCH); s < s1; s++) {
            nnc_vec gv[OBV];
            for (int v = 0; v < OBV; v++)
                gv[v] = nnc_vload(dy + s * O + ob + v * NNC_VW);
            for (int r = 0; r < RB; r++) {
                nnc_vec xv = nnc_vset1(xp[s * RB + r]);
                for (int v = 0; v < OBV; v++)
                    a[r][v] = nnc_vfma(xv, gv[v], a[r][v]);
            }
        }
        for (int r = 0; r < RB; r++)
            for (int v = 0; v < OBV; v++)
                acc[g][r][v] = a[r][v];
    }
#define NNC_ADD_ACC_(a, b)                                                     \
    for (int r = 0; r < RB; r++)                                               \
        for (int v = 0; v < OBV; v++)                                          \
            acc[a][r][v] = nnc_vadd(acc[a][r][v], acc[b][r][v])
    NNC_TREE(k, NNC_GROUPS(NNC_BATCH), NNC_ADD_ACC_);
#undef NNC_ADD_ACC_
    for (int r = 0; r < nr; r++)
        for (int v = 0; v < OBV; v++)
            nnc_vstore(dw + (long)(i0 + r) * O + ob + v * NNC_VW, k ? acc[0][r][v] : nnc_vzero());
}

/* xp: scratch of (I + RB - 1) / RB * RB * n floats */
static void dense_simd_dw(nnc_real *restrict dw, const nnc_real *restrict dy,
                          const nnc_real *restrict x, nnc_real *restrict xp, int n)
{
    const int rows = (I + RB - 1) / RB, cols = O / (OBV * NNC_VW);
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (long s = 0; s < n; s++)
            for (int i = 0; i < rows * RB; i++)
                xp[((long)(i / RB) * n + s) * RB + i % RB] = i < I ? x[s * I + i] : 0;
#pragma omp for schedule(static)
        for (int u = 0; u < rows * cols; u++) {
            int i0 = u / cols * RB, ob = u % cols * OBV * NNC_VW;
            const nnc_real *p = xp + (long)(i0 / RB) * n * RB;
            if (i0 + RB <= I)
                dense_simd_dw_block(dw, dy, p, n, i0, ob, RB);
            else
                dense_simd_dw_block(dw, dy, p, n, i0, ob, I - i0);
        }
    }
}
