/* templates/conv2d_simd_bwd.c — the kernel gradient of a convolution on a
 * SIMD target: KB x RB kernel rows (kh, kw, ci) times OBV vectors of output
 * channels stay in registers over one sample's output pixels, then are added
 * to dw.
 * Samples are added in order and threads split the row blocks, so the result
 * is bitwise the same for any thread count. The scalar twin is conv2d_dw in
 * templates/conv2d.c.
 * With POOLED (a max pool after this layer, computed by its forward kernel,
 * and no input gradient to compute), dw reads the pool's gradient and window
 * positions instead: a conv pixel's gradient is its window's where it holds
 * the window's maximum, else 0. The conv's own gradient never reaches memory. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 9
#define IW 11
#define IC 4
#define OH 7
#define OW 9
#define OC 32
#define KH 3
#define KW 3
#define SH 1
#define SW 1
#define PT 0
#define PL 0
#define RB 2
#define KB 1 /* kh rows per block: a divisor of KH, 1 unless RB = KW*IC */
#define OBV 4
#define GH 6 /* rows and columns of dy that can be nonzero: a max pool after */
#define GW 8 /* this layer whose windows leave the last ones out sends them none */
#define POOLED 0
#define DBS 1 /* also the bias gradient db (sums of dy), per sample while it is in cache */
#define PPH 2 /* the pool's windows, and its output size */
#define PPW 2
#define POH 3
#define POW 4
#endif
/* nnc:defaults end */

/* GCC's predictive commoning keeps the broadcasts of one pixel for the
 * next (with one input channel they overlap) and spills the accumulators
 * doing so: 47 instead of 77 GFLOP/s on a 3x3x1 kernel. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-predictive-commoning")
#endif

/* The kernel rows (kw, ci) of one kh are contiguous in dw, and so are their
 * inputs under one output pixel: a block of RB of them shares one base index.
 * Where a whole kh row is short (few input channels), a block is KB whole kh
 * rows (RB = ROWS) instead, so that each dy vector meets enough taps. */
#define ROWS (KW * IC)
#define NRB ((ROWS + RB - 1) / RB)
#if KH % KB || (KB > 1 && RB != ROWS)
#error "conv2d_simd_bwd: KB must divide KH, and KB > 1 needs whole kh rows (RB = KW*IC)"
#endif
#define NKB (KH / KB)
#define NOB (OC / (OBV * NNC_VW))
#define UNITS (NKB * NRB * NOB)
enum { conv2d_simd_dw_units = UNITS }; /* for templates/conv2d_simd_dx.c */

/* NK (KB) kh rows from kh0 times NR (RB or fewer) rows from r0, output
 * channels from ob, for one sample: its input x and gradient dy, or with
 * pooled, its pool's gradient dy and window positions am. */
NNC_INLINE void conv2d_simd_dw_rows(nnc_real *restrict dw, const nnc_real *restrict dy,
                                    const unsigned char *restrict am,
                                    const nnc_real *restrict x, const int pooled, int kh0,
                                    int r0, int ob, const int nk, const int nr)
{
    int kw_lo = r0 / IC, kw_hi = (r0 + nr - 1) / IC;
    nnc_vec acc[KB][RB][OBV];
    for (int k = 0; k < nk; k++)
        for (int r = 0; r < nr; r++)
            for (int v = 0; v < OBV; v++)
                acc[k][r][v] = nnc_vzero();
    for (int oh = 0; oh < GH; oh++) {
        int ih0 = oh * SH - PT + kh0; /* input row of the first kh */
        if (ih0 + nk - 1 < 0 || ih0 >= IH)
            continue;
        for (int ow = 0; ow < GW; ow++) {
            int iw0 = ow * SW - PL; /* input column of kw = 0 */
            if (iw0 + kw_hi < 0 || iw0 + kw_lo >= IW)
                continue;
            long base = ((long)ih0 * IW + iw0) * IC + r0;
            nnc_vec gv[OBV];
            if (pooled) { /* the window's gradient where this pixel is its maximum */
                long o = ((long)(oh / PPH) * POW + ow / PPW) * OC + ob;
                int at = oh % PPH * PPW + ow % PPW;
                for (int v = 0; v < OBV; v++)
                    gv[v] = nnc_vkeep_u8(am + o + v * NNC_VW, at, nnc_vload(dy + o + v * NNC_VW));
            } else {
                const nnc_real *g = dy + ((long)oh * OW + ow) * OC + ob;
                for (int v = 0; v < OBV; v++)
                    gv[v] = nnc_vload(g + v * NNC_VW);
            }
            if (ih0 >= 0 && ih0 + nk - 1 < IH && iw0 + kw_lo >= 0 && iw0 + kw_hi < IW) {
                /* the whole window inside: broadcasts straight from x */
                for (int k = 0; k < nk; k++)
                    for (int r = 0; r < nr; r++) {
                        nnc_vec xv = nnc_vset1(x[base + (long)k * IW * IC + r]);
                        for (int v = 0; v < OBV; v++)
                            acc[k][r][v] = nnc_vfma(xv, gv[v], acc[k][r][v]);
                    }
                continue;
            }
            for (int k = 0; k < nk; k++)
                for (int r = 0; r < nr; r++) {
                    int ih = ih0 + k, iw = iw0 + (r0 + r) / IC;
                    nnc_real xs = ih >= 0 && ih < IH && iw >= 0 && iw < IW
                                      ? x[base + (long)k * IW * IC + r] : 0;
                    nnc_vec xv = nnc_vset1(xs);
                    for (int v = 0; v < OBV; v++)
                        acc[k][r][v] = nnc_vfma(xv, gv[v], acc[k][r][v]);
                }
        }
    }
    for (int k = 0; k < nk; k++)
        for (int r = 0; r < nr; r++)
            for (int v = 0; v < OBV; v++) {
                nnc_real *d = dw + ((long)(kh0 + k) * ROWS + r0 + r) * OC + ob + v * NNC_VW;
                nnc_vstore(d, nnc_vadd(nnc_vload(d), acc[k][r][v]));
            }
}

/* Unit u: kh rows from kh0, row block rb, output channels [ob, ob + OBV*VW).
 * The last row block has a constant size of its own. */
NNC_INLINE void conv2d_simd_dw_unit(nnc_real *restrict dw, const nnc_real *restrict dy,
                                    const unsigned char *restrict am,
                                    const nnc_real *restrict x, const int pooled, int u)
{
    int ob = u % NOB * OBV * NNC_VW, r0 = u / NOB % NRB * RB, kh0 = u / (NOB * NRB) * KB;
    if (r0 + RB <= ROWS)
        conv2d_simd_dw_rows(dw, dy, am, x, pooled, kh0, r0, ob, KB, RB);
    else
        conv2d_simd_dw_rows(dw, dy, am, x, pooled, kh0, r0, ob, KB, ROWS % RB);
}

/* dw[KH][KW][IC][OC] = sum over samples and output pixels of x * dy; with
 * POOLED, dy is the pool's gradient and am its window positions. With DBS,
 * part[n][OC] gets each sample's sums of dy (each thread sums a slice of the
 * channels after its units, the sample's dy still in cache), and db their
 * sum in sample order: the same as the scalar twin's pass, for any thread
 * count. */
static void conv2d_simd_dw_all(nnc_real *restrict dw, nnc_real *restrict db,
                               nnc_real *restrict part, const nnc_real *restrict dy,
                               const unsigned char *restrict am,
                               const nnc_real *restrict x, int n)
{
    (void)db, (void)part;
    memset(dw, 0, sizeof *dw * KH * KW * IC * OC);
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int u0 = UNITS * t / nt, u1 = UNITS * (t + 1) / nt;
        int c0 = OC / NNC_VW * t / nt * NNC_VW, c1 = OC / NNC_VW * (t + 1) / nt * NNC_VW;
        for (long s = 0; s < n; s++) {
            for (int u = u0; u < u1; u++) {
                if (POOLED)
                    conv2d_simd_dw_unit(dw, dy + s * POH * POW * OC, am + s * POH * POW * OC,
                                        x + s * IH * IW * IC, 1, u);
                else
                    conv2d_simd_dw_unit(dw, dy + s * OH * OW * OC, NULL, x + s * IH * IW * IC, 0,
                                        u);
            }
            for (int c = c0; DBS && c < c1; c += NNC_VW) {
                nnc_vec acc = nnc_vzero();
                const nnc_real *g = dy + s * OH * OW * OC + c;
                for (long p = 0; p < OH * OW; p++)
                    acc = nnc_vadd(acc, nnc_vload(g + p * OC));
                nnc_vstore(part + s * OC + c, acc);
            }
        }
    }
    if (DBS) { /* added in sample order */
        for (int c = 0; c < OC; c++)
            db[c] = 0;
        for (long s = 0; s < n; s++)
            for (int c = 0; c < OC; c++)
                db[c] += part[s * OC + c];
    }
}

NNC_MAYBE_UNUSED static void conv2d_simd_dw(nnc_real *restrict dw, nnc_real *restrict db,
                                            nnc_real *restrict part,
                                            const nnc_real *restrict dy,
                                            const nnc_real *restrict x, int n)
{
    conv2d_simd_dw_all(dw, db, part, dy, NULL, x, n);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#undef ROWS
#undef NRB
#undef NKB
#undef NOB
#undef UNITS
