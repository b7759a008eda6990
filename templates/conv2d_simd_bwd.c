/* templates/conv2d_simd_bwd.c — the kernel gradient of a convolution on a
 * SIMD target: KB x RB kernel rows (kh, kw, ci) times OBV vectors of output
 * channels stay in registers over one sample's output pixels, then are added
 * to its sample group's copy of dw.
 * Threads take whole sample groups and the copies are added in the groups'
 * tree (prelude.c), so the result is bitwise the same for any thread count. The scalar twin is
 * conv2d_dw in templates/conv2d.c.
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
#define BATCH 8 /* the compiled batch */
#define NPART 2 /* sample groups, each with its own copy of dw */
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
                                    const nnc_real *restrict x, const int pooled, int first,
                                    int kh0, int r0, int ob, const int nk, const int nr)
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
                nnc_vstore(d, first ? acc[k][r][v] : nnc_vadd(nnc_vload(d), acc[k][r][v]));
            }
}

/* Unit u: kh rows from kh0, row block rb, output channels [ob, ob + OBV*VW).
 * The last row block has a constant size of its own. */
NNC_INLINE void conv2d_simd_dw_unit(nnc_real *restrict dw, const nnc_real *restrict dy,
                                    const unsigned char *restrict am,
                                    const nnc_real *restrict x, const int pooled, int first,
                                    int u)
{
    int ob = u % NOB * OBV * NNC_VW, r0 = u / NOB % NRB * RB, kh0 = u / (NOB * NRB) * KB;
    if (r0 + RB <= ROWS)
        conv2d_simd_dw_rows(dw, dy, am, x, pooled, first, kh0, r0, ob, KB, RB);
    else
        conv2d_simd_dw_rows(dw, dy, am, x, pooled, first, kh0, r0, ob, KB, ROWS % RB);
}

/* Sample groups: group g holds samples [BATCH*g/NPART, BATCH*(g+1)/NPART) of
 * n, and its own copy of dw (partial sums). Threads take whole groups, in
 * the same halves (thirds, ...) of the batch as the forward pass's rows, so a
 * thread reads the samples it wrote; the copies are added in group order,
 * so dw is the same for any thread count. */
#define DWSIZE ((long)KH * KW * IC * OC)
NNC_INLINE long conv2d_simd_group_start(int g, int n)
{
    long s = (long)BATCH * g / NPART;
    return s < n ? s : n;
}

/* dw = the groups' copies in part[NPART][DWSIZE] added in the groups' tree
 * (prelude.c), each thread a slice (inside a parallel region, after a barrier). */
NNC_INLINE void conv2d_simd_dw_reduce(nnc_real *restrict dw, const nnc_real *restrict part,
                                      int n)
{
    int k = 0;
    while (k < NPART && conv2d_simd_group_start(k, n) < n)
        k++;
#pragma omp for schedule(static)
    for (long i = 0; i < DWSIZE; i += NNC_VW) {
        nnc_vec v[NPART];
        for (int g = 0; g < k; g++)
            v[g] = nnc_vload(part + g * DWSIZE + i);
#define NNC_ADD_V_(a, b) v[a] = nnc_vadd(v[a], v[b])
        NNC_TREE(k, NPART, NNC_ADD_V_);
#undef NNC_ADD_V_
        nnc_vstore(dw + i, k ? v[0] : nnc_vzero());
    }
}

/* dw[KH][KW][IC][OC] = sum over samples and output pixels of x * dy; with
 * POOLED, dy is the pool's gradient and am its window positions. scratch:
 * the groups' copies of dw, then with DBS each sample's sums of dy (its bias
 * gradient, taken while the sample is in cache), added into db in sample
 * order: the same as the scalar twin's pass, for any thread count. */
static void conv2d_simd_dw_all(nnc_real *restrict dw, nnc_real *restrict db,
                               nnc_real *restrict scratch, const nnc_real *restrict dy,
                               const unsigned char *restrict am,
                               const nnc_real *restrict x, int n)
{
    (void)db;
    nnc_real *part = scratch + NPART * DWSIZE;
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        for (int g = NPART * t / nt; g < NPART * (t + 1) / nt; g++) {
            long s0 = conv2d_simd_group_start(g, n), s1 = conv2d_simd_group_start(g + 1, n);
            for (long s = s0; s < s1; s++) {
                for (int u = 0; u < UNITS; u++) {
                    if (POOLED)
                        conv2d_simd_dw_unit(scratch + g * DWSIZE, dy + s * POH * POW * OC,
                                            am + s * POH * POW * OC, x + s * IH * IW * IC, 1,
                                            s == s0, u);
                    else
                        conv2d_simd_dw_unit(scratch + g * DWSIZE, dy + s * OH * OW * OC, NULL,
                                            x + s * IH * IW * IC, 0, s == s0, u);
                }
                for (int c = 0; DBS && c < OC; c += NNC_VW) {
                    nnc_vec acc = nnc_vzero();
                    const nnc_real *gp = dy + s * OH * OW * OC + c;
                    for (long p = 0; p < OH * OW; p++)
                        acc = nnc_vadd(acc, nnc_vload(gp + p * OC));
                    nnc_vstore(part + s * OC + c, acc);
                }
            }
        }
#pragma omp barrier
        conv2d_simd_dw_reduce(dw, scratch, n);
    }
    if (DBS)
        nnc_sum_rows(db, part, n, OC, BATCH);
}

NNC_MAYBE_UNUSED static void conv2d_simd_dw(nnc_real *restrict dw, nnc_real *restrict db,
                                            nnc_real *restrict part,
                                            const nnc_real *restrict dy,
                                            const nnc_real *restrict x, int n)
{
    conv2d_simd_dw_all(dw, db, part, dy, NULL, x, n); /* part: the scratch */
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
#undef ROWS
#undef NRB
#undef NKB
#undef DWSIZE
#undef NOB
#undef UNITS
