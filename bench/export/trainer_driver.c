/* trainer_driver.c — times the trainer's own inference, nnc_model.predict
 * (what `trainer predict` and `evaluate` run), of a trainer generated for
 * batch 256 with -DNNC_NO_MAIN and linked here with libnncrt, the trained
 * weights loaded through the runtime's loader. One thread (OMP_NUM_THREADS=1).
 *   WEIGHTS latency IMAGES STEPS   microseconds of predict(x, 1)
 *   WEIGHTS infer IMAGES STEPS     images/s of predict(x, 256)
 *   WEIGHTS probs IMAGES N OUT     probabilities of the first N images
 * IMAGES: raw float32 pixels, N x H x W x C. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nncrt.h"
#include "weights.h"

extern const nncrt_model nnc_model;

#define BATCH 256

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 5 || nnc_model.batch_size < BATCH) {
        fprintf(stderr, "usage: %s WEIGHTS latency|infer IMAGES STEPS | WEIGHTS probs IMAGES N OUT"
                        " (a trainer of batch %d)\n", argv[0], BATCH);
        return 2;
    }
    nncrt_weights_meta meta;
    if (nncrt_weights_load(&nnc_model, argv[1], false, &meta) != 0)
        return 1;
    nncrt_weights_meta_free(&meta);
    size_t in = (size_t)nnc_model.in_h * nnc_model.in_w * nnc_model.in_c;
    float *x = calloc(BATCH * in, sizeof *x), *probs = calloc(BATCH * (size_t)nnc_model.num_classes, sizeof *probs);
    FILE *f = fopen(argv[3], "rb");
    size_t have = f && x ? fread(x, in * sizeof *x, BATCH, f) : 0;
    if (f)
        fclose(f);
    long steps = atol(argv[4]);
    if (have < BATCH || steps < 1 || !probs) {
        fprintf(stderr, "%s: %s: need %d images, and STEPS >= 1\n", argv[0], argv[3], BATCH);
        return 2;
    }
    if (argv[2][0] == 'p') {
        int n = (int)(steps < BATCH ? steps : BATCH);
        nnc_model.predict(x, n, probs);
        FILE *o = argc == 6 ? fopen(argv[5], "wb") : NULL;
        size_t k = (size_t)n * nnc_model.num_classes;
        int ok = o && fwrite(probs, sizeof *probs, k, o) == k;
        return ok && !fclose(o) ? 0 : 1;
    }
    int n = argv[2][0] == 'l' ? 1 : BATCH;
    for (int i = 0; i < 3; i++) /* warm-up: the plan paged in */
        nnc_model.predict(x, n, probs);
    double t0 = now();
    for (long s = 0; s < steps; s++)
        nnc_model.predict(x + (size_t)(n == 1 ? s % BATCH : 0) * in, n, probs);
    double per = (now() - t0) / (double)steps;
    if (n == 1)
        printf("latency %.2f us\n", per * 1e6);
    else
        printf("infer %.1f img/s\n", BATCH / per);
    free(x), free(probs);
    return 0;
}
