/* templates/sigmoid_bce.c — sigmoid fused with binary cross-entropy, for a last
 * dense layer of one unit (Keras binary_crossentropy, label_mode binary).
 * The runtime speaks two classes, so targets t and probabilities p are [n][2]
 * (class 0, class 1) while the logits z are [n][1]. A row's sum w = t[0] + t[1]
 * is the sample's weight (1, or its class weight) and y = t[1] / w its label:
 *   loss  = w (max(z, 0) - z y + log1p(exp(-|z|)))
 *         = -w (y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))), never overflowing;
 *   dL/dz = (w sigmoid(z) - t[1]) / n for the batch mean (Keras's sum_over_batch_size).
 * p = (1 - sigmoid(z), sigmoid(z)): argmax is Keras's threshold, y_pred > 0.5
 * (z = 0 is class 0, the first maximum). Sums run in double. */
/* nnc:defaults begin */
#include "prelude.c"
/* nnc:defaults end */

/* sigmoid(z) without overflow for either sign. */
static double bce_sigmoid(double z)
{
    return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
}

static void sigmoid_probs(nnc_real *restrict p, const nnc_real *restrict z, int n)
{
    for (long s = 0; s < n; s++) {
        p[2 * s] = (nnc_real)bce_sigmoid(-(double)z[s]); /* not 1 - q: keeps small p exact */
        p[2 * s + 1] = (nnc_real)bce_sigmoid(z[s]);
    }
}

/* Returns the mean loss; writes probabilities and, when dz is not NULL, dL/dz. */
NNC_MAYBE_UNUSED static double sigmoid_bce(nnc_real *restrict p, nnc_real *restrict dz,
                          const nnc_real *restrict z, const nnc_real *restrict t, int n)
{
    double loss = 0, mean_n = nnc_mean_n ? nnc_mean_n : n;
    sigmoid_probs(p, z, n);
    for (long s = 0; s < n; s++) {
        double zs = z[s], t1 = t[2 * s + 1], w = t[2 * s] + t[2 * s + 1];
        double y = w > 0 ? t1 / w : 0;
        double ls = w * ((zs > 0 ? zs : 0) - zs * y + log1p(exp(-fabs(zs))));
        loss += ls;
        if (nnc_loss_out)
            nnc_loss_out[s] = ls;
        if (dz)
            dz[s] = (nnc_real)((w * bce_sigmoid(zs) - t1) / mean_n);
    }
    return loss / n;
}
