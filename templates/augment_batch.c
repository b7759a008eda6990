/* templates/augment_batch.c — nnc_augment, what libnncrt calls on a batch:
 * x holds n images of IN_SIZE values (the loaded size) on entry and of
 * OUT_SIZE (the model input; smaller only with random_crop) on return. Each
 * sample is augmented alone in its own two scratch images, from draws keyed
 * by (seed, epoch, id), so the result depends on neither the thread count
 * nor the batch. training = 0 (evaluation, predict) applies only random_crop's
 * inference window (CROPS). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define BATCH 4
#define IN_SIZE 12
#define OUT_SIZE 12
#define NPARAMS 2
#define CROPS 0
/* what emit_augment.c writes before this template */
static void nnc_aug_draw(double *p, uint64_t seed, int64_t epoch, uint64_t id)
{
    p[0] = (double)(seed + (uint64_t)epoch + id), p[1] = 0;
}
static nnc_real *nnc_aug_apply(nnc_real *img, nnc_real *tmp, const double *p)
{
    img[0] += (nnc_real)p[0];
    return tmp ? img : tmp;
}
static nnc_real *nnc_aug_infer(nnc_real *img, nnc_real *tmp)
{
    return tmp ? img : tmp;
}
#endif
/* nnc:defaults end */

static NNC_ALIGN nnc_real nnc_aug_buf[2][BATCH * IN_SIZE]; /* per sample: image, scratch */

NNC_MAYBE_UNUSED static void nnc_augment(nnc_real *x, int n, uint64_t seed, int64_t epoch,
                                         const uint64_t *ids, int training)
{
    if (!training && !CROPS)
        return;
    /* all in first: with a crop the images shrink, and x is shared */
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++)
        memcpy(nnc_aug_buf[0] + (long)i * IN_SIZE, x + (long)i * IN_SIZE, sizeof *x * IN_SIZE);
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        nnc_real *img = nnc_aug_buf[0] + (long)i * IN_SIZE;
        nnc_real *tmp = nnc_aug_buf[1] + (long)i * IN_SIZE;
        double p[NPARAMS];
        if (training)
            nnc_aug_draw(p, seed, epoch, ids[i]);
        img = training ? nnc_aug_apply(img, tmp, p) : nnc_aug_infer(img, tmp);
        memcpy(x + (long)i * OUT_SIZE, img, sizeof *x * OUT_SIZE);
    }
}
