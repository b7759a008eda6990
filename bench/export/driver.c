/* driver.c — times an exported classifier (nnc --predict --prefix cls,
 * compiled in as its own object: portable kernels, or with -DCLS_SIMD the
 * SIMD ones) on images already in memory, one thread:
 *   latency IMAGES STEPS   microseconds of one cls_predict call
 *   infer IMAGES STEPS     images/s over STEPS batches of 256 cls_predict calls
 *   probs IMAGES N OUT     the probabilities of the first N images into OUT
 * IMAGES: raw float32 pixels, N x H x W x C (bench/export/run.py writes it). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "classifier.h"

#define IN (CLS_H_IN * CLS_W_IN * CLS_C_IN)
#define BATCH 256

static float images[BATCH][CLS_H_IN][CLS_W_IN][CLS_C_IN], probs[BATCH][CLS_CLASSES];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static size_t load(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(images, sizeof images[0], BATCH, f) : 0;
    if (f)
        fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s latency|infer IMAGES STEPS | probs IMAGES N OUT\n", argv[0]);
        return 2;
    }
    size_t have = load(argv[2]);
    long steps = atol(argv[3]);
    if (have < 1 || steps < 1 || (argv[1][0] == 'p' && (size_t)steps > have)) {
        fprintf(stderr, "%s: %s holds %zu images; bad count %s\n", argv[0], argv[2], have, argv[3]);
        return 2;
    }
    if (argv[1][0] == 'p') { /* probs */
        FILE *f = argc == 5 ? fopen(argv[4], "wb") : NULL;
        for (long i = 0; i < steps; i++)
            cls_predict(images[i], probs[i]);
        int ok = f && fwrite(probs, sizeof probs[0], (size_t)steps, f) == (size_t)steps;
        ok = f && !fclose(f) && ok;
        return ok ? 0 : 1;
    }
    int latency = argv[1][0] == 'l', sink = 0;
    for (int i = 0; i < 10; i++) /* warm-up: caches and page faults */
        sink += cls_predict(images[0], probs[0]);
    double t0 = now();
    for (long s = 0; s < steps; s++) {
        if (latency)
            sink += cls_predict(images[s % (long)have], probs[0]);
        else
            for (size_t i = 0; i < BATCH; i++)
                sink += cls_predict(images[i % have], probs[i]);
    }
    double per = (now() - t0) / (double)steps;
    if (latency)
        printf("latency %.2f us\n", per * 1e6);
    else
        printf("infer %.1f img/s\n", BATCH / per);
    return sink < 0; /* the classes are used: nothing is optimized away */
}
