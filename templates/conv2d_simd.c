/* templates/conv2d_simd.c — direct convolution, channels-last, register-blocked:
 * PB output pixels of one row times OBV vectors of output channels stay in
 * registers while the KH*KW*IC reduction streams through; each step loads OBV
 * kernel vectors and broadcasts PB inputs for PB*OBV fused multiply-adds.
 * OC must be a multiple of OBV*NNC_VW. The scalar twin is templates/conv2d.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 9
#define IW 11
#define IC 3
#define OH 7
#define OW 9
#define OC 32
#define KH 3
#define KW 3
#define SH 1
#define SW 1
#define PT 0
#define PL 0
#define RELU 1
#define BIAS 1
#define PB 3
#define OBV 4
#endif
/* nnc:defaults end */

/* No window reaches past the left or right edge: no column checks needed. */
#define NO_COL_EDGE (PL == 0 && (OW - 1) * SW + KW <= IW)

/* The IC-long reduction of one kernel tap for NP pixels. Unchecked, the
 * pixels lie SW*IC apart from xp[0]; checked (a window edge in the padding),
 * each has its own pointer, to zeros where its column is padding. */
NNC_INLINE void conv2d_simd_taps(nnc_vec acc[PB][OBV], const nnc_real *restrict wp,
                                 const nnc_real *const xp[PB], const int np, const int check)
{
    for (int ci = 0; ci < IC; ci++) {
        nnc_vec wv[OBV];
        for (int v = 0; v < OBV; v++)
            wv[v] = nnc_vload(wp + ci * OC + v * NNC_VW);
        for (int p = 0; p < np; p++) {
            nnc_vec xv = nnc_vset1(check ? xp[p][ci] : xp[0][p * SW * IC + ci]);
            for (int v = 0; v < OBV; v++)
                acc[p][v] = nnc_vfma(xv, wv[v], acc[p][v]);
        }
    }
}

/* NP (PB or fewer) pixels starting at (oh, ow0), channels [ob, ob + OBV*NNC_VW). */
NNC_INLINE void conv2d_simd_block(nnc_real *restrict y, const nnc_real *restrict x,
                                  const nnc_real *restrict w, const nnc_real *restrict b,
                                  long s, int oh, int ow0, int ob, const int np)
{
    nnc_vec acc[PB][OBV];
    for (int p = 0; p < np; p++)
        for (int v = 0; v < OBV; v++)
            acc[p][v] = BIAS ? nnc_vload(b + ob + v * NNC_VW) : nnc_vzero();
    for (int kh = 0; kh < KH; kh++) {
        int ih = oh * SH - PT + kh;
        if (ih < 0 || ih >= IH)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            const nnc_real *wp = w + (long)(kh * KW + kw) * IC * OC + ob;
            static const nnc_real zeros[IC];
            const nnc_real *xp[PB];
            int all_inside = 1, any_inside = 0;
            for (int p = 0; p < np; p++) {
                int iw = (ow0 + p) * SW - PL + kw, inside = NO_COL_EDGE || (iw >= 0 && iw < IW);
                all_inside &= inside;
                any_inside |= inside;
                xp[p] = inside ? x + ((s * IH + ih) * IW + iw) * IC : zeros;
            }
            if (all_inside) /* the common case: no padding under this block */
                conv2d_simd_taps(acc, wp, xp, np, 0);
            else if (any_inside) /* (dx of a valid convolution pads by K-1) */
                conv2d_simd_taps(acc, wp, xp, np, 1);
        }
    }
    for (int p = 0; p < np; p++)
        for (int v = 0; v < OBV; v++) {
            nnc_vec r = RELU ? nnc_vmax(acc[p][v], nnc_vzero()) : acc[p][v];
            nnc_vstore(y + ((s * OH + oh) * OW + ow0 + p) * OC + ob + v * NNC_VW, r);
        }
}

/* y[n][OH][OW][OC] = act(conv(x[n][IH][IW][IC], w) + b) */
static void conv2d_simd_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                            const nnc_real *restrict w, const nnc_real *restrict b, int n)
{
    (void)b;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * OH; row++) {
        long s = row / OH;
        int oh = (int)(row % OH);
        for (int ob = 0; ob < OC; ob += OBV * NNC_VW) {
            for (int ow = 0; ow + PB <= OW; ow += PB)
                conv2d_simd_block(y, x, w, b, s, oh, ow, ob, PB);
            if (OW % PB) /* the rest of the row as one block (a constant size) */
                conv2d_simd_block(y, x, w, b, s, oh, OW - OW % PB, ob, OW % PB);
        }
    }
}
#undef NO_COL_EDGE
