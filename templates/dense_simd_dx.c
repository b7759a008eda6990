/* templates/dense_simd_dx.c — the input gradient of a dense layer on a SIMD
 * target, dx[n][I] = dy W^T, without transposing W (I*O floats each step):
 * vectors run over samples instead. dy is transposed into dyt[O][np] (np: n
 * rounded up to whole vectors, zero padded), then RB inputs times SV vectors
 * of samples stay in registers while the O outputs stream through, reading
 * RB rows of W in place. The scalar twin is dense_dx in templates/dense.c. */
/* nnc:defaults begin */
#include "simd_prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define I 13
#define O 32
#define RB 3
#define SV 2
#endif
/* nnc:defaults end */

/* inputs [i0, i0 + nr), samples from vector sv0 on, nsv vectors */
NNC_INLINE void dense_simd_dx_block(nnc_real *restrict dx, const nnc_real *restrict dyt,
                                    const nnc_real *restrict w, int n, int np, int i0,
                                    int sv0, const int nr, const int nsv)
{
    nnc_vec acc[RB][SV];
    for (int r = 0; r < nr; r++)
        for (int v = 0; v < nsv; v++)
            acc[r][v] = nnc_vzero();
    for (int o = 0; o < O; o++) {
        nnc_vec gv[SV];
        for (int v = 0; v < nsv; v++)
            gv[v] = nnc_vload(dyt + (long)o * np + (sv0 + v) * NNC_VW);
        for (int r = 0; r < nr; r++) {
            nnc_vec wv = nnc_vset1(w[(long)(i0 + r) * O + o]);
            for (int v = 0; v < nsv; v++)
                acc[r][v] = nnc_vfma(wv, gv[v], acc[r][v]);
        }
    }
    /* each sample's RB inputs are contiguous in dx: store through a buffer */
    NNC_ALIGN nnc_real t[RB][SV * NNC_VW];
    for (int r = 0; r < nr; r++)
        for (int v = 0; v < nsv; v++)
            nnc_vstore(&t[r][v * NNC_VW], acc[r][v]);
    int s0 = sv0 * NNC_VW, s1 = s0 + nsv * NNC_VW < n ? s0 + nsv * NNC_VW : n;
    for (int s = s0; s < s1; s++)
        for (int r = 0; r < nr; r++)
            dx[(long)s * I + i0 + r] = t[r][s - s0];
}

/* dyt: scratch of O * (n rounded up to VW) floats */
static void dense_simd_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                          const nnc_real *restrict w, nnc_real *restrict dyt, int n)
{
    const int nv = (n + NNC_VW - 1) / NNC_VW, np = nv * NNC_VW;
    const int rows = (I + RB - 1) / RB, sblocks = (nv + SV - 1) / SV;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int o = 0; o < O; o++)
            for (int s = 0; s < np; s++)
                dyt[(long)o * np + s] = s < n ? dy[(long)s * O + o] : 0;
#pragma omp for schedule(static)
        for (int u = 0; u < rows * sblocks; u++) {
            int i0 = u / sblocks * RB, sv0 = u % sblocks * SV;
            int nr = i0 + RB <= I ? RB : I - i0, nsv = sv0 + SV <= nv ? SV : nv - sv0;
            if (nr == RB && nsv == SV)
                dense_simd_dx_block(dx, dyt, w, n, np, i0, sv0, RB, SV);
            else if (nr == RB && nsv == 1) /* n <= VW, or an odd last vector */
                dense_simd_dx_block(dx, dyt, w, n, np, i0, sv0, RB, 1);
            else
                dense_simd_dx_block(dx, dyt, w, n, np, i0, sv0, nr, nsv);
        }
    }
}
