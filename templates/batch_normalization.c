/* templates/batch_normalization.c — Keras BatchNormalization over the last
 * axis: per channel of HW pixels per sample (an image) or per unit (HW = 1,
 * after dense). Fit normalizes by the batch's statistics (mean and biased
 * variance, kept in stats for backward and the moving update); evaluate,
 * predict and validation by the moving ones. Every sum over the batch adds
 * per-sample partials in sample order, so results do not depend on threads.
 * An optional ReLU after it is applied here (fused by fuse.c). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define HW 35 /* pixels per sample */
#define C 5   /* channels: the normalized axis */
#define EPS ((nnc_real)1e-3)
#define MOMENTUM ((nnc_real)0.99)
#define SCALE 1  /* has gamma */
#define CENTER 1 /* has beta */
#define RELU 0
#define MASK_DY RELU /* 0 when the next layer applies the ReLU mask */
#define NEED_DX 1
#endif
/* nnc:defaults end */

/* Sums over the batch accumulate in double: the statistics and dgamma are
 * sums that cancel, and this layer is bound by memory, not arithmetic. */

/* The bodies of the parallel loops are functions of their own, not inlined:
 * the loop body OpenMP outlines loses restrict, and with it the vectorization
 * over channels (the backward pass 3x slower). */

/* p[c] = sum over one sample's pixels of f(x - sh[c]) (f: x or x*x) */
NNC_MAYBE_UNUSED __attribute__((noinline)) static void
batch_normalization_partial(double *restrict p, const nnc_real *restrict xs,
                                        const double *restrict sh, int square)
{
    for (int c = 0; c < C; c++)
        p[c] = 0;
    if (square)
        for (long i = 0; i < HW; i++)
            for (int c = 0; c < C; c++) {
                double d = (double)xs[i * C + c] - sh[c];
                p[c] += d * d;
            }
    else
        for (long i = 0; i < HW; i++)
            for (int c = 0; c < C; c++)
                p[c] += (double)xs[i * C + c] - sh[c];
}

/* part[s][c] = sum over sample s's pixels of f(x - shift[c]) (f: x or x*x) */
NNC_MAYBE_UNUSED static void batch_normalization_partials(double *restrict part,
                                                          const nnc_real *restrict x,
                                                          const nnc_real *restrict shift,
                                                          int square, int n)
{
    double sh[C];
    for (int c = 0; c < C; c++)
        sh[c] = shift ? (double)shift[c] : 0;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++)
        batch_normalization_partial(part + s * C, x + s * HW * C, sh, square);
}

/* One sample's y = (x - mean) * inv * gamma + beta (and its ReLU) */
NNC_MAYBE_UNUSED __attribute__((noinline)) static void
batch_normalization_norm(nnc_real *restrict y, const nnc_real *restrict x,
                                     const nnc_real *restrict mean, const nnc_real *restrict inv,
                                     const nnc_real *restrict gamma, const nnc_real *restrict beta)
{
    (void)gamma, (void)beta;
    for (long i = 0; i < HW; i++)
        for (int c = 0; c < C; c++) {
            nnc_real v = (x[i * C + c] - mean[c]) * inv[c];
            v = (SCALE ? v * gamma[c] : v) + (CENTER ? beta[c] : 0);
            y[i * C + c] = RELU ? (v > 0 ? v : 0) : v;
        }
}

/* One sample's dy masked by the ReLU after (in place, for dx), and its
 * partial sums of dy and dy (x - mean) */
NNC_MAYBE_UNUSED __attribute__((noinline)) static void
batch_normalization_dsums(double *restrict pb, double *restrict pg,
                                      nnc_real *restrict dy, const nnc_real *restrict x,
                                      const nnc_real *restrict y, const nnc_real *restrict mean)
{
    double b[C], g[C], m[C];
    (void)y;
    for (int c = 0; c < C; c++)
        b[c] = g[c] = 0, m[c] = mean[c];
    for (long i = 0; i < HW; i++)
        for (int c = 0; c < C; c++) {
            long o = i * C + c;
            nnc_real d = MASK_DY && y[o] <= 0 ? 0 : dy[o];
            dy[o] = d;
            b[c] += d;
            g[c] += (double)d * ((double)x[o] - m[c]);
        }
    memcpy(pb, b, sizeof b);
    memcpy(pg, g, sizeof g);
}

/* One sample's dx = gs (count dy - sb - xh sg) */
NNC_MAYBE_UNUSED __attribute__((noinline)) static void
batch_normalization_dx(nnc_real *restrict dx, const nnc_real *restrict dy,
                                   const nnc_real *restrict x, const nnc_real *restrict mean,
                                   const nnc_real *restrict inv, const nnc_real *restrict gs,
                                   const nnc_real *restrict sb, const nnc_real *restrict sg,
                                   nnc_real count)
{
    for (long i = 0; i < HW; i++)
        for (int c = 0; c < C; c++) {
            long o = i * C + c;
            nnc_real xh = (x[o] - mean[c]) * inv[c];
            dx[o] = gs[c] * (count * dy[o] - sb[c] - xh * sg[c]);
        }
}

/* out[c] = sum of the n rows part[n][C] in row order, over count */
NNC_MAYBE_UNUSED static void batch_normalization_mean_rows(nnc_real *restrict out,
                                                           const double *restrict part, long n,
                                                           double count)
{
    for (int c = 0; c < C; c++) {
        double sum = 0;
        for (long s = 0; s < n; s++)
            sum += part[s * C + c];
        out[c] = (nnc_real)(sum / count);
    }
}

/* y = (x - mean) / sqrt(var + EPS) * gamma + beta with the batch's mean and
 * biased variance; stats: mean[C], var[C], 1/sqrt(var + EPS)[C]. */
NNC_MAYBE_UNUSED static void batch_normalization_fwd_train(
    nnc_real *restrict y, const nnc_real *restrict x, const nnc_real *restrict gamma,
    const nnc_real *restrict beta, nnc_real *restrict stats, nnc_real *restrict part, int n)
{
    nnc_real *mean = stats, *var = stats + C, *inv = stats + 2 * C;
    double count = (double)((long)n * HW), *dp = (double *)part;
    (void)gamma, (void)beta;
    batch_normalization_partials(dp, x, NULL, 0, n);
    batch_normalization_mean_rows(mean, dp, n, count);
    batch_normalization_partials(dp, x, mean, 1, n);
    batch_normalization_mean_rows(var, dp, n, count);
    for (int c = 0; c < C; c++)
        inv[c] = 1 / nnc_sqrt(var[c] + EPS);
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++)
        batch_normalization_norm(y + s * HW * C, x + s * HW * C, mean, inv, gamma, beta);
}

/* The inference affine y = x * a + b of the moving statistics, as Keras:
 * a = gamma / sqrt(moving_variance + EPS), b = beta - moving_mean * a. */
NNC_MAYBE_UNUSED static void batch_normalization_affine(nnc_real *restrict a, nnc_real *restrict b,
                                       const nnc_real *restrict gamma,
                                       const nnc_real *restrict beta,
                                       const nnc_real *restrict mm, const nnc_real *restrict mv)
{
    (void)gamma, (void)beta;
    for (int c = 0; c < C; c++) {
        a[c] = 1 / nnc_sqrt(mv[c] + EPS);
        a[c] = SCALE ? a[c] * gamma[c] : a[c];
        b[c] = (CENTER ? beta[c] : 0) - mm[c] * a[c];
    }
}

NNC_MAYBE_UNUSED static void batch_normalization_fwd_infer(
    nnc_real *restrict y, const nnc_real *restrict x, const nnc_real *restrict gamma,
    const nnc_real *restrict beta, const nnc_real *restrict mm, const nnc_real *restrict mv,
    int n)
{
    nnc_real a[C], b[C];
    batch_normalization_affine(a, b, gamma, beta, mm, mv);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < (long)n * HW; i++)
        for (int c = 0; c < C; c++) {
            nnc_real v = x[i * C + c] * a[c] + b[c];
            y[i * C + c] = RELU ? (v > 0 ? v : 0) : v;
        }
}

/* The layer before (kernel [K][C], output channels last, and its bias or
 * NULL) with this affine folded in: fk = k * a, fb = bias * a + b. */
NNC_MAYBE_UNUSED static void batch_normalization_fold(
    nnc_real *restrict fk, nnc_real *restrict fb, const nnc_real *restrict k,
    const nnc_real *restrict bias, long rows, const nnc_real *restrict gamma,
    const nnc_real *restrict beta, const nnc_real *restrict mm, const nnc_real *restrict mv)
{
    nnc_real a[C], b[C];
    batch_normalization_affine(a, b, gamma, beta, mm, mv);
    for (long r = 0; r < rows; r++)
        for (int c = 0; c < C; c++)
            fk[r * C + c] = k[r * C + c] * a[c];
    for (int c = 0; c < C; c++)
        fb[c] = (bias ? bias[c] : 0) * a[c] + b[c];
}

/* With xh = (x - mean) * inv, N = n * HW: dbeta = sum dy, dgamma = sum dy xh
 * (as inv sum dy (x - mean)),
 * dx = gamma inv / N (N dy - dbeta - xh dgamma). dy may be overwritten. */
NNC_MAYBE_UNUSED static void batch_normalization_bwd(
    nnc_real *restrict dx, nnc_real *restrict dgamma, nnc_real *restrict dbeta,
    nnc_real *restrict dy, const nnc_real *restrict x, const nnc_real *restrict y,
    const nnc_real *restrict gamma, const nnc_real *restrict stats, nnc_real *restrict part,
    int n)
{
    const nnc_real *mean = stats, *inv = stats + 2 * C;
    double *pb = (double *)part, *pg = pb + (long)n * C;
    nnc_real sb[C], sg[C], count = (nnc_real)((long)n * HW);
    (void)dx, (void)dgamma, (void)dbeta, (void)y, (void)gamma;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++)
        batch_normalization_dsums(pb + s * C, pg + s * C, dy + s * HW * C, x + s * HW * C,
                                  y + s * HW * C, mean);
    batch_normalization_mean_rows(sb, pb, n, 1);
    batch_normalization_mean_rows(sg, pg, n, 1);
    for (int c = 0; c < C; c++) {
        sg[c] *= inv[c];
        if (CENTER)
            dbeta[c] = sb[c];
        if (SCALE)
            dgamma[c] = sg[c];
    }
    if (!NEED_DX)
        return;
    nnc_real gs[C];
    for (int c = 0; c < C; c++)
        gs[c] = (SCALE ? gamma[c] : 1) * inv[c] / count;
#pragma omp parallel for schedule(static)
    for (long s = 0; s < n; s++)
        batch_normalization_dx(dx + s * HW * C, dy + s * HW * C, x + s * HW * C, mean, inv, gs,
                               sb, sg, count);
}

/* After the optimizer step: moving = moving * MOMENTUM + batch * (1 - MOMENTUM),
 * with the biased batch variance, as Keras. */
NNC_MAYBE_UNUSED static void batch_normalization_update(nnc_real *restrict mm,
                                                        nnc_real *restrict mv,
                                                        const nnc_real *restrict stats)
{
    for (int c = 0; c < C; c++) {
        mm[c] = mm[c] * MOMENTUM + stats[c] * (1 - MOMENTUM);
        mv[c] = mv[c] * MOMENTUM + stats[C + c] * (1 - MOMENTUM);
    }
}
