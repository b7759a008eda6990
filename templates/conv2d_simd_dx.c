/* templates/conv2d_simd_dx.c — the input gradient of a stride-1 convolution
 * on a SIMD target: dy convolved with the kernel flipped in space and
 * transposed in channels, by a second instance of templates/conv2d_simd.c
 * (dx_conv) whose input is dy and whose output is dx; with MASK, the ReLU
 * mask of the layer before is applied as dx is stored (x is its output). The
 * scalar twin is conv2d_dx in templates/conv2d.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define IH 6
#define IW 6
#define IC 8
#define OH 4
#define OW 4
#define OC 8
#define KH 3
#define KW 3
#define MASK 0 /* dx is 0 where x (a ReLU's output) is not positive */
#define POOLED 0 /* dy: a max pool's gradient and window positions (conv2d_simd_bwd_pool) */
#define PPH 2
#define PPW 2
#define POH 2
#define POW 2
#endif
static void dx_conv_mask(nnc_real *restrict y, const nnc_real *restrict x,
                         const nnc_real *restrict w, const nnc_real *restrict b,
                         const nnc_real *restrict mk, int n)
{
    (void)y, (void)x, (void)w, (void)b, (void)mk, (void)n;
}
static void dx_conv_row(nnc_real *restrict y, const nnc_real *restrict x,
                        const nnc_real *restrict w, const nnc_real *restrict b,
                        const nnc_real *restrict mk, long s, int oh)
{
    (void)y, (void)x, (void)w, (void)b, (void)mk, (void)s, (void)oh;
}
static void conv2d_simd_dw_unit(nnc_real *restrict dw, const nnc_real *restrict dy,
                                const unsigned char *restrict am, const nnc_real *restrict x,
                                const int pooled, int first, int u)
{
    (void)dw, (void)dy, (void)am, (void)x, (void)pooled, (void)first, (void)u;
}
static long conv2d_simd_group_start(int g, int n)
{
    return g < n ? g : n;
}
static void conv2d_simd_dw_reduce(nnc_real *restrict dw, const nnc_real *restrict part, int n)
{
    (void)dw, (void)part, (void)n;
}
enum { conv2d_simd_dw_units = 1 };
#define NPART 2
/* nnc:defaults end */

/* wt[kh][kw][co][ci] = w[KH-1-kh][KW-1-kw][ci][co]: the kernel flipped in
 * space and transposed in channels. */
NNC_INLINE void conv2d_simd_dx_kernel(nnc_real *restrict wt, const nnc_real *restrict w)
{
    for (int kh = 0; kh < KH; kh++)
        for (int kw = 0; kw < KW; kw++)
            for (int ci = 0; ci < IC; ci++)
                for (int co = 0; co < OC; co++)
                    wt[(((long)kh * KW + kw) * OC + co) * IC + ci] =
                        w[(((long)(KH - 1 - kh) * KW + (KW - 1 - kw)) * IC + ci) * OC + co];
}

/* dx = dy convolved with that kernel */
NNC_MAYBE_UNUSED static void conv2d_simd_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                                            const nnc_real *restrict x,
                                            const nnc_real *restrict w, nnc_real *restrict wt,
                                            int n)
{
    conv2d_simd_dx_kernel(wt, w);
    dx_conv_mask(dx, dy, wt, NULL, MASK ? x : NULL, n);
}

#if POOLED
/* The whole backward pass from the max pool's gradient dyp and window
 * positions am (the pool, computed by this layer's forward kernel, writes no
 * dx). Threads take whole sample groups (see templates/conv2d_simd_bwd.c):
 * a thread expands one sample's conv gradient at a time into its group's
 * buffer g, in cache (a pixel gets its window's gradient where it holds the
 * maximum; pixels no window covers stay 0), adds it into the group's copy of
 * dw and computes the sample's dx. scratch: the kernel for dx, the groups'
 * copies of dw, then their buffers. */
NNC_MAYBE_UNUSED static void conv2d_simd_bwd_pool(nnc_real *restrict dw, nnc_real *restrict dx,
                                                  const nnc_real *restrict dyp,
                                                  const unsigned char *restrict am,
                                                  const nnc_real *restrict x,
                                                  const nnc_real *restrict w,
                                                  nnc_real *restrict scratch, int n)
{
    const long dwsize = (long)KH * KW * IC * OC, gsize = (long)OH * OW * OC;
    nnc_real *wt = scratch, *part = scratch + dwsize, *gbuf = part + NPART * dwsize;
    conv2d_simd_dx_kernel(wt, w);
#pragma omp parallel
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        for (int grp = NPART * t / nt; grp < NPART * (t + 1) / nt; grp++) {
        nnc_real *g = gbuf + grp * gsize;
        if (POH * PPH < OH || POW * PPW < OW) /* cells no window covers */
            memset(g, 0, sizeof *g * (size_t)gsize);
        for (long s = conv2d_simd_group_start(grp, n); s < conv2d_simd_group_start(grp + 1, n);
             s++) {
            for (int ph = 0; ph < POH; ph++)
                for (int pw = 0; pw < POW; pw++) {
                    long o = ((s * POH + ph) * POW + pw) * OC;
                    for (int kh = 0; kh < PPH; kh++)
                        for (int kw = 0; kw < PPW; kw++) {
                            nnc_real *d = g + ((long)(ph * PPH + kh) * OW + pw * PPW + kw) * OC;
                            for (int c = 0; c < OC; c += NNC_VW)
                                nnc_vstore(d + c, nnc_vkeep_u8(am + o + c, kh * PPW + kw,
                                                               nnc_vload(dyp + o + c)));
                        }
                }
            const nnc_real *xs = x + s * IH * IW * IC;
            for (int u = 0; u < conv2d_simd_dw_units; u++)
                conv2d_simd_dw_unit(part + grp * dwsize, g, NULL, xs, 0,
                                    s == conv2d_simd_group_start(grp, n), u);
            for (int r = 0; r < IH; r++)
                dx_conv_row(dx + s * IH * IW * IC, g, wt, NULL, MASK ? xs : NULL, 0, r);
        }
        }
#pragma omp barrier
        conv2d_simd_dw_reduce(dw, part, n);
    }
}
#endif
