/* templates/softmax_xent.c — softmax fused with cross-entropy over K classes.
 * Stable form: log p_k = z_k - max - log(sum exp(z - max)). The gradient of the
 * batch-mean loss w.r.t. the logits is (p * sum(t) - t) / n, which for one-hot
 * targets is the familiar (p - t) / n. Sums run in double. */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define K 10
#endif
/* nnc:defaults end */

static void softmax(nnc_real *restrict p, const nnc_real *restrict z, int n)
{
    for (long s = 0; s < n; s++) {
        const nnc_real *zs = z + s * K;
        nnc_real mx = zs[0];
        for (int k = 1; k < K; k++)
            mx = zs[k] > mx ? zs[k] : mx;
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += exp((double)zs[k] - mx);
        for (int k = 0; k < K; k++)
            p[s * K + k] = (nnc_real)(exp((double)zs[k] - mx) / sum);
    }
}

/* Returns the mean loss; writes probabilities and, when dz is not NULL, dL/dz. */
NNC_MAYBE_UNUSED static double softmax_xent(nnc_real *restrict p, nnc_real *restrict dz,
                           const nnc_real *restrict z, const nnc_real *restrict t, int n)
{
    double loss = 0, mean_n = nnc_mean_n ? nnc_mean_n : n;
    softmax(p, z, n);
    for (long s = 0; s < n; s++) {
        const nnc_real *zs = z + s * K, *ts = t + s * K;
        double mx = zs[0], sum = 0, tsum = 0, ls = 0;
        for (int k = 1; k < K; k++)
            mx = zs[k] > mx ? zs[k] : mx;
        for (int k = 0; k < K; k++)
            sum += exp(zs[k] - mx);
        double lse = mx + log(sum);
        for (int k = 0; k < K; k++) {
            ls -= ts[k] * (zs[k] - lse);
            tsum += ts[k];
        }
        loss += ls; /* per sample: a distributed fit adds them in sample order */
        if (nnc_loss_out)
            nnc_loss_out[s] = ls;
        if (dz)
            for (int k = 0; k < K; k++)
                dz[s * K + k] = (nnc_real)((p[s * K + k] * tsum - ts[k]) / mean_n);
    }
    return loss / n;
}
