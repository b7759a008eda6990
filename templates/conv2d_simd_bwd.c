/* templates/conv2d_simd_bwd.c — the kernel gradient of a convolution on a
 * SIMD target: RB kernel rows (kw, ci) of one kh times OBV vectors of output
 * channels stay in registers over one sample's output pixels, then are added
 * to dw.
 * Samples are added in order and threads split the row blocks, so the result
 * is bitwise the same for any thread count. The scalar twin is conv2d_dw in
 * templates/conv2d.c. */
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
#define OBV 4
#define GH 6 /* rows and columns of dy that can be nonzero: a max pool after */
#define GW 8 /* this layer whose windows leave the last ones out sends them none */
#endif
/* nnc:defaults end */

/* The kernel rows (kw, ci) of one kh are contiguous in dw, and so are their
 * inputs under one output pixel: a block of RB of them shares one base index. */
#define ROWS (KW * IC)
#define NRB ((ROWS + RB - 1) / RB)
#define NOB (OC / (OBV * NNC_VW))
#define UNITS (KH * NRB * NOB)

/* NR (RB or fewer) rows from r0 of kernel row kh, output channels from ob. */
NNC_INLINE void conv2d_simd_dw_rows(nnc_real *restrict dw, const nnc_real *restrict dy,
                                    const nnc_real *restrict x, long s, int kh, int r0, int ob,
                                    const int nr)
{
    int kw_lo = r0 / IC, kw_hi = (r0 + nr - 1) / IC;
    nnc_vec acc[RB][OBV];
    for (int r = 0; r < nr; r++)
        for (int v = 0; v < OBV; v++)
            acc[r][v] = nnc_vzero();
    for (int oh = 0; oh < GH; oh++) {
        int ih = oh * SH - PT + kh;
        if (ih < 0 || ih >= IH)
            continue;
        for (int ow = 0; ow < GW; ow++) {
            int iw0 = ow * SW - PL; /* input column of kw = 0 */
            if (iw0 + kw_hi < 0 || iw0 + kw_lo >= IW)
                continue;
            int all_inside = iw0 + kw_lo >= 0 && iw0 + kw_hi < IW;
            long base = ((s * IH + ih) * IW + iw0) * IC + r0;
            const nnc_real *g = dy + ((s * OH + oh) * OW + ow) * OC + ob;
            nnc_vec gv[OBV];
            for (int v = 0; v < OBV; v++)
                gv[v] = nnc_vload(g + v * NNC_VW);
            for (int r = 0; r < nr; r++) {
                int iw = iw0 + (r0 + r) / IC;
                nnc_real xs = all_inside || (iw >= 0 && iw < IW) ? x[base + r] : 0;
                nnc_vec xv = nnc_vset1(xs);
                for (int v = 0; v < OBV; v++)
                    acc[r][v] = nnc_vfma(xv, gv[v], acc[r][v]);
            }
        }
    }
    for (int r = 0; r < nr; r++)
        for (int v = 0; v < OBV; v++) {
            nnc_real *d = dw + ((long)kh * ROWS + r0 + r) * OC + ob + v * NNC_VW;
            nnc_vstore(d, nnc_vadd(nnc_vload(d), acc[r][v]));
        }
}

/* Unit u: kernel row kh, row block rb, output channels [ob, ob + OBV*VW). */
NNC_INLINE void conv2d_simd_dw_unit(nnc_real *restrict dw, const nnc_real *restrict dy,
                                    const nnc_real *restrict x, long s, int u)
{
    int ob = u % NOB * OBV * NNC_VW, r0 = u / NOB % NRB * RB, kh = u / (NOB * NRB);
    if (r0 + RB <= ROWS)
        conv2d_simd_dw_rows(dw, dy, x, s, kh, r0, ob, RB);
    else /* the last rows, one block of a constant size */
        conv2d_simd_dw_rows(dw, dy, x, s, kh, r0, ob, ROWS % RB);
}

/* dw[KH][KW][IC][OC] = sum over samples and output pixels of x * dy */
static void conv2d_simd_dw(nnc_real *restrict dw, nnc_real *restrict unused,
                           const nnc_real *restrict dy, const nnc_real *restrict x, int n)
{
    (void)unused; /* the scalar twin's partial sums; registers hold them here */
    memset(dw, 0, sizeof *dw * KH * KW * IC * OC);
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int u0 = UNITS * t / nt, u1 = UNITS * (t + 1) / nt;
        for (long s = 0; s < n; s++)
            for (int u = u0; u < u1; u++)
                conv2d_simd_dw_unit(dw, dy, x, s, u);
    }
}

#undef ROWS
#undef NRB
#undef NOB
#undef UNITS
