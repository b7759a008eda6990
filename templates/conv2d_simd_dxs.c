/* templates/conv2d_simd_dxs.c — the input gradient of a strided convolution
 * on a SIMD target. Input column iw gets gradient only through the taps kw
 * with (iw + PL - kw) divisible by SW, so the columns are taken one phase
 * q = iw mod SW at a time: PB columns of a phase, SW apart in dx, read PB
 * consecutive dy pixels under each of their taps, as a stride-1 convolution
 * would. Rows likewise keep the taps kh with (ih + PT - kh) divisible by SH.
 * PB pixels times OBV vectors of input channels stay in registers while the
 * OC-long reductions stream through; dy pixels outside it read zeros. The
 * scalar twin is conv2d_dx in templates/conv2d.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 11
#define IW 9
#define IC 16
#define OH 5
#define OW 4
#define OC 8
#define KH 3
#define KW 3
#define SH 2
#define SW 2
#define PT 0
#define PL 0
#define PB 4
#define OBV 2
#define MASK 0 /* dx is 0 where x (a ReLU's output) is not positive */
#endif
/* nnc:defaults end */

/* One tap: the OC-long reduction for NP pixels whose dy rows start at g[p]. */
NNC_INLINE void conv2d_simd_dxs_tap(nnc_vec acc[PB][OBV], const nnc_real *restrict wp,
                                    const nnc_real *const g[PB], const int np)
{
    for (int co = 0; co < OC; co++) {
        nnc_vec wv[OBV];
        for (int v = 0; v < OBV; v++)
            wv[v] = nnc_vload(wp + co * IC + v * NNC_VW);
        for (int p = 0; p < np; p++) {
            nnc_vec gv = nnc_vset1(g[p][co]);
            for (int v = 0; v < OBV; v++)
                acc[p][v] = nnc_vfma(gv, wv[v], acc[p][v]);
        }
    }
}

/* NP (PB or fewer) columns iw = q + (j0 + p) * SW of input row ih, input
 * channels [cb, cb + OBV*VW). */
NNC_INLINE void conv2d_simd_dxs_block(nnc_real *restrict dx, const nnc_real *restrict dy,
                                      const nnc_real *restrict x, const nnc_real *restrict wt,
                                      long s, int ih, int q, int j0, int cb, const int np)
{
    static const nnc_real zeros[OC];
    nnc_vec acc[PB][OBV];
    for (int p = 0; p < np; p++)
        for (int v = 0; v < OBV; v++)
            acc[p][v] = nnc_vzero();
    for (int kh = 0; kh < KH; kh++) {
        int th = ih + PT - kh;
        if (th < 0 || th % SH || th / SH >= OH)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int tw = q + PL - kw; /* for j = 0; every j of the phase shares divisibility */
            if (((tw % SW) + SW) % SW)
                continue;
            int ow0 = tw / SW + j0; /* exact: tw is a multiple of SW */
            const nnc_real *g[PB];
            int any = 0;
            for (int p = 0; p < np; p++) {
                int ow = ow0 + p, inside = ow >= 0 && ow < OW;
                any |= inside;
                g[p] = inside ? dy + ((s * OH + th / SH) * OW + ow) * OC : zeros;
            }
            if (any)
                conv2d_simd_dxs_tap(acc, wt + (long)(kh * KW + kw) * OC * IC + cb, g, np);
        }
    }
    for (int p = 0; p < np; p++)
        for (int v = 0; v < OBV; v++) {
            long at = ((s * IH + ih) * IW + q + (long)(j0 + p) * SW) * IC + cb + v * NNC_VW;
            nnc_vstore(dx + at, MASK ? nnc_vkeep_pos(x + at, acc[p][v]) : acc[p][v]);
        }
}

/* dx[n][IH][IW][IC]; wt gets the kernel as (KH,KW,OC,IC). With MASK, 0
 * where x (the ReLU output before) is not positive. */
static void conv2d_simd_dxs(nnc_real *restrict dx, const nnc_real *restrict dy,
                            const nnc_real *restrict x, const nnc_real *restrict w,
                            nnc_real *restrict wt, int n)
{
    nnc_transpose_taps(wt, w, KH * KW, IC, OC);
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * IH; row++) {
        long s = row / IH;
        int ih = (int)(row % IH);
        for (int cb = 0; cb < IC; cb += OBV * NNC_VW)
            for (int q = 0; q < SW && q < IW; q++) {
                int cols = (IW - q + SW - 1) / SW, j = 0; /* columns of this phase */
                for (; j + PB <= cols; j += PB)
                    conv2d_simd_dxs_block(dx, dy, x, wt, s, ih, q, j, cb, PB);
                for (; j < cols; j++)
                    conv2d_simd_dxs_block(dx, dy, x, wt, s, ih, q, j, cb, 1);
            }
    }
}
