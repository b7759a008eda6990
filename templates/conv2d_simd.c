/* templates/conv2d_simd.c — direct convolution, channels-last, register-blocked:
 * PB output pixels of one row times OBV vectors of output channels stay in
 * registers while the KH*KW*IC reduction streams through; each step loads OBV
 * kernel vectors and broadcasts PB inputs for PB*OBV fused multiply-adds.
 * OC must be a multiple of OBV*NNC_VW. The scalar twin is templates/conv2d.c.
 * With POOL, conv2d_simd_fwd_pool also applies the max pool that follows (see
 * there). */
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
#define POOL 1 /* the next layer, a max pool with windows PPH x PPW tiling the
                * output into POH x POW, is computed here too */
#define PPH 2
#define PPW 2
#define POH 3
#define POW 4
#define MASK 0 /* 0 where mk (a ReLU's output, laid out as y) is not positive (dx) */
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

/* NP (PB or fewer) pixels starting at (oh, ow0), channels [ob, ob + OBV*NNC_VW),
 * stored from out on, PS floats from one pixel to the next; with MASK, mk
 * is laid out as out. */
NNC_INLINE void conv2d_simd_block(nnc_real *restrict out, const nnc_real *restrict mk,
                                  const long ps,
                                  const nnc_real *restrict x, const nnc_real *restrict w,
                                  const nnc_real *restrict b, long s, int oh, int ow0, int ob,
                                  const int np)
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
            if (MASK)
                r = nnc_vkeep_pos(mk + p * ps + v * NNC_VW, r);
            nnc_vstore(out + p * ps + v * NNC_VW, r);
        }
}

/* Output row oh of sample s. */
NNC_INLINE void conv2d_simd_row(nnc_real *restrict y, const nnc_real *restrict x,
                                const nnc_real *restrict w, const nnc_real *restrict b,
                                const nnc_real *restrict mk, long s, int oh)
{
    long r = (s * OH + oh) * OW * OC;
    for (int ob = 0; ob < OC; ob += OBV * NNC_VW) {
        for (int ow = 0; ow + PB <= OW; ow += PB) {
            long o = r + (long)ow * OC + ob;
            conv2d_simd_block(y + o, MASK ? mk + o : NULL, OC, x, w, b, s, oh, ow, ob, PB);
        }
        if (OW % PB) { /* the rest of the row as one block (a constant size) */
            long o = r + (long)(OW - OW % PB) * OC + ob;
            conv2d_simd_block(y + o, MASK ? mk + o : NULL, OC, x, w, b, s, oh, OW - OW % PB,
                              ob, OW % PB);
        }
    }
}

/* y[n][OH][OW][OC] = act(conv(x[n][IH][IW][IC], w) + b), with MASK then 0
 * where mk[n][OH][OW][OC] is not positive */
NNC_MAYBE_UNUSED static void conv2d_simd_fwd_mask(nnc_real *restrict y,
                                                  const nnc_real *restrict x,
                                                  const nnc_real *restrict w,
                                                  const nnc_real *restrict b,
                                                  const nnc_real *restrict mk, int n)
{
    (void)b, (void)mk;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * OH; row++)
        conv2d_simd_row(y, x, w, b, mk, row / OH, (int)(row % OH));
}

NNC_MAYBE_UNUSED static void conv2d_simd_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                                             const nnc_real *restrict w,
                                             const nnc_real *restrict b, int n)
{
    conv2d_simd_fwd_mask(y, x, w, b, NULL, n);
}

#if POOL
/* The convolution, its activation and the max pool after it: the PPH conv
 * rows under one row of windows go to a small tile t (one block of channels
 * at a time), never to memory; out come the pooled maxima yp and, as
 * templates/max_pooling2d.c keeps them, each one's window position am
 * (PPH*PPW: no gradient, the maximum being a ReLU's zero). Conv pixels no
 * window covers are not computed. */
#define CB (OBV * NNC_VW)
#define OWC (POW * PPW)
static void conv2d_simd_fwd_pool(nnc_real *restrict yp, unsigned char *restrict am,
                                 const nnc_real *restrict x, const nnc_real *restrict w,
                                 const nnc_real *restrict b, int n)
{
    (void)b;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * POH; row++) {
        long s = row / POH;
        int ph = (int)(row % POH);
        NNC_ALIGN nnc_real t[PPH][OWC][CB];
        for (int ob = 0; ob < OC; ob += CB) {
            for (int kh = 0; kh < PPH; kh++) {
                int oh = ph * PPH + kh;
                for (int ow = 0; ow + PB <= OWC; ow += PB)
                    conv2d_simd_block(t[kh][ow], NULL, CB, x, w, b, s, oh, ow, ob, PB);
                if (OWC % PB)
                    conv2d_simd_block(&t[kh][0][0] + (OWC - OWC % PB) * CB, NULL, CB, x, w, b,
                                      s, oh, OWC - OWC % PB, ob, OWC % PB);
            }
            for (int pw = 0; pw < POW; pw++) {
                long o = ((s * POH + ph) * POW + pw) * OC + ob;
                const nnc_real *tp = &t[0][0][0] + pw * PPW * CB; /* flat: it vectorizes */
                nnc_real *yo = yp + o;
                unsigned char *ao = am + o;
                for (int c = 0; c < CB; c++) { /* first maximum wins */
                    nnc_real m = -INFINITY, k = 0;
                    for (int kh = 0; kh < PPH; kh++)
                        for (int kw = 0; kw < PPW; kw++) {
                            nnc_real v = tp[(kh * OWC + kw) * CB + c];
                            k = v > m ? (nnc_real)(kh * PPW + kw) : k;
                            m = v > m ? v : m;
                        }
                    yo[c] = m;
                    ao[c] = (unsigned char)(!RELU || m > 0 ? k : PPH * PPW);
                }
            }
        }
    }
}
#undef CB
#undef OWC
#endif
#undef NO_COL_EDGE
