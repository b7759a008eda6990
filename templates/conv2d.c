/* templates/conv2d.c — direct 2-D convolution, channels-last (HWC), kernel
 * (KH,KW,IC,OC) as in Keras, with bias and ReLU fused. Every size is a literal
 * after instantiation; the inner loops run over output channels so the C
 * compiler vectorizes them. Batch index n is the only runtime size. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 7
#define IW 6
#define IC 3
#define OH 4
#define OW 3
#define OC 5
#define KH 3
#define KW 3
#define SH 2
#define SW 2
#define PT 1
#define PL 1
#define RELU 1
#define BIAS 1
#define NEED_DX 1
#define MASK_DY RELU /* 0 when the next layer applies the ReLU mask */
#define DB_DONE 0     /* 1 when the next layer (a max pool it computes) sums db */
#define DB_IN_DW 0    /* 1 when dw_impl (a SIMD target's) sums db itself */
#define MASK_DX 0     /* 1: the layer before ends in a ReLU whose mask dx applies */
#endif
/* which kernels the backward pass uses: these scalar ones, or a SIMD target's */
#define dw_impl conv2d_dw
#define dx_impl conv2d_dx
#ifndef NNC_BATCH /* the generated file defines it */
#define NNC_BATCH 32
#endif
/* nnc:defaults end */

/* y[n][OH][OW][OC] = act(conv(x[n][IH][IW][IC], w) + b) */
NNC_MAYBE_UNUSED static void conv2d_fwd(nnc_real *restrict y, const nnc_real *restrict x,
                       const nnc_real *restrict w, const nnc_real *restrict b, int n)
{
    (void)b;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * OH; row++) {
        long s = row / OH;
        int oh = (int)(row % OH);
        for (int ow = 0; ow < OW; ow++) {
            nnc_real acc[OC];
            for (int co = 0; co < OC; co++)
                acc[co] = BIAS ? b[co] : 0;
            for (int kh = 0; kh < KH; kh++) {
                int ih = oh * SH - PT + kh;
                if (ih < 0 || ih >= IH)
                    continue;
                for (int kw = 0; kw < KW; kw++) {
                    int iw = ow * SW - PL + kw;
                    if (iw < 0 || iw >= IW)
                        continue;
                    const nnc_real *xp = x + ((s * IH + ih) * IW + iw) * IC;
                    const nnc_real *wp = w + (long)(kh * KW + kw) * IC * OC;
                    for (int ci = 0; ci < IC; ci++) {
                        nnc_real xv = xp[ci];
                        for (int co = 0; co < OC; co++)
                            acc[co] += xv * wp[ci * OC + co];
                    }
                }
            }
            nnc_real *yp = y + ((s * OH + oh) * OW + ow) * OC;
            for (int co = 0; co < OC; co++)
                yp[co] = RELU ? (acc[co] > 0 ? acc[co] : 0) : acc[co];
        }
    }
}

/* dw[r][OC] for rows r = (kh,kw,ci) in [r0,r1). Each sample's sum over its
 * output pixels is formed in part[] first and then added to its sample
 * group's sum (part + (1 + g) * DW), and the groups' sums are added in their
 * tree (prelude.c): the float rounding error grows with the length of a sum,
 * and this keeps every sum short. The order is fixed, so the result does not
 * depend on how rows are split between threads, nor on a distributed fit's
 * ranks. part: (1 + groups) * KH*KW*IC*OC values. */
static void conv2d_dw_rows(nnc_real *restrict dw, nnc_real *restrict part,
                           const nnc_real *restrict dy, const nnc_real *restrict x, int n,
                           int r0, int r1)
{
    const long DW = (long)KH * KW * IC * OC, a = (long)r0 * OC, b = (long)r1 * OC;
    const int k = nnc_groups_present(n, NNC_BATCH);
    for (int g = 0; g < k; g++) {
        nnc_real *gp = part + (1 + g) * DW;
        memset(gp + a, 0, sizeof *gp * (size_t)(b - a));
        for (long s = nnc_group_start(g, n, NNC_BATCH); s < nnc_group_start(g + 1, n, NNC_BATCH);
             s++) {
            memset(part + a, 0, sizeof *part * (size_t)(b - a));
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    const nnc_real *gr = dy + ((s * OH + oh) * OW + ow) * OC;
                    for (int r = r0; r < r1; r++) {
                        int kh = r / (KW * IC), kw = r / IC % KW, ci = r % IC;
                        int ih = oh * SH - PT + kh, iw = ow * SW - PL + kw;
                        if (ih < 0 || ih >= IH || iw < 0 || iw >= IW)
                            continue;
                        nnc_real xv = x[((s * IH + ih) * IW + iw) * IC + ci];
                        nnc_real *d = part + (long)r * OC;
                        for (int co = 0; co < OC; co++)
                            d[co] += xv * gr[co];
                    }
                }
            for (long i = a; i < b; i++)
                gp[i] += part[i];
        }
    }
#define NNC_ADD_GP_(p, q)                                                      \
    for (long i = a; i < b; i++)                                               \
        part[(1 + (p)) * DW + i] += part[(1 + (q)) * DW + i]
    NNC_TREE(k, NNC_GROUPS(NNC_BATCH), NNC_ADD_GP_);
#undef NNC_ADD_GP_
    for (long i = a; i < b; i++)
        dw[i] = k ? part[DW + i] : 0;
}

/* dw[KH][KW][IC][OC]; part is scratch of (1 + groups) times that size. (db:
 * the bias gradient, summed by conv2d_bwd before, as this kernel uses part.) */
NNC_MAYBE_UNUSED static void conv2d_dw(nnc_real *restrict dw, nnc_real *restrict db,
                                       nnc_real *restrict part, const nnc_real *restrict dy,
                                       const nnc_real *restrict x, int n)
{
    (void)db;
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        conv2d_dw_rows(dw, part, dy, x, n, KH * KW * IC * t / nt, KH * KW * IC * (t + 1) / nt);
    }
}

/* dx[n][IH][IW][IC] gathered from every output pixel whose window covers it;
 * wt gets the kernel transposed to (KH,KW,OC,IC) so the inner loop is over ci.
 * With MASK_DX, dx is 0 where the input x (a ReLU's output) is not positive. */
NNC_MAYBE_UNUSED static void conv2d_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                                       const nnc_real *restrict x, const nnc_real *restrict w,
                                       nnc_real *restrict wt, int n)
{
    (void)x;
    nnc_transpose_taps(wt, w, KH * KW, IC, OC);
#pragma omp parallel for schedule(static)
    for (long row = 0; row < (long)n * IH; row++) {
        long s = row / IH;
        int ih = (int)(row % IH);
        for (int iw = 0; iw < IW; iw++) {
            nnc_real acc[IC];
            for (int ci = 0; ci < IC; ci++)
                acc[ci] = 0;
            for (int kh = 0; kh < KH; kh++) {
                int th = ih + PT - kh;
                if (th < 0 || th % SH || th / SH >= OH)
                    continue;
                for (int kw = 0; kw < KW; kw++) {
                    int tw = iw + PL - kw;
                    if (tw < 0 || tw % SW || tw / SW >= OW)
                        continue;
                    const nnc_real *g = dy + ((s * OH + th / SH) * OW + tw / SW) * OC;
                    const nnc_real *wp = wt + (long)(kh * KW + kw) * OC * IC;
                    for (int co = 0; co < OC; co++) {
                        nnc_real gv = g[co];
                        for (int ci = 0; ci < IC; ci++)
                            acc[ci] += gv * wp[co * IC + ci];
                    }
                }
            }
            long at = ((s * IH + ih) * IW + iw) * IC;
            for (int ci = 0; ci < IC; ci++)
                dx[at + ci] = MASK_DX && x[at + ci] <= 0 ? 0 : acc[ci];
        }
    }
}

/* Backward: dy is overwritten with the gradient before the activation. dx is
 * only computed when a layer before this one has parameters. wt is scratch of
 * KH*KW*IC*OC values and n*OC: first the bias sums, then dw's partial sums,
 * then the transposed kernel. The bias sums come from the pass below, or from
 * the max pool after this layer (DB_DONE), or from a SIMD dw (DB_IN_DW). */
#define DB_PASS (BIAS && !DB_DONE && !DB_IN_DW)
NNC_MAYBE_UNUSED static void conv2d_bwd(nnc_real *restrict dx, nnc_real *restrict dw, nnc_real *restrict db,
                       nnc_real *restrict dy, const nnc_real *restrict x,
                       const nnc_real *restrict y, const nnc_real *restrict w,
                       nnc_real *restrict wt, int n)
{
    (void)dx, (void)db, (void)y, (void)w, (void)wt;
    if (MASK_DY || DB_PASS) { /* one pass: the ReLU mask, per-sample bias sums */
#pragma omp parallel for schedule(static)
        for (long s = 0; s < n; s++) {
            nnc_real part[OC] = {0};
            nnc_real *g = dy + s * OH * OW * OC; /* flat, branch-free: it vectorizes */
            const nnc_real *ys = y + s * OH * OW * OC;
            for (long p = 0; p < OH * OW; p++)
                for (int co = 0; co < OC; co++) {
                    nnc_real v = MASK_DY && ys[p * OC + co] <= 0 ? 0 : g[p * OC + co];
                    g[p * OC + co] = v;
                    part[co] += DB_PASS ? v : 0;
                }
            if (DB_PASS) /* wt is free until dw: it holds each sample's sums */
                memcpy(wt + s * OC, part, sizeof part);
        }
    }
    if (DB_PASS)
        nnc_sum_rows(db, wt, n, OC, NNC_BATCH);
    dw_impl(dw, db, wt, dy, x, n);
    if (NEED_DX)
        dx_impl(dx, dy, x, w, wt, n);
}
#undef DB_PASS
