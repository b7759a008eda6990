/* bench_driver.c — times one generated trainer (built with nnc --profile and
 * included here) on synthetic data, the data already in memory:
 *   train RUNS STEPS    images/s of whole optimizer steps at the compiled batch
 *   infer RUNS STEPS    images/s of forward passes at the compiled batch
 *   latency RUNS STEPS  microseconds of one single-image forward pass
 * Each prints the median over RUNS, then GFLOP/s and milliseconds per step
 * of each layer and pass.
 * Threads: OMP_NUM_THREADS. */
#define NNC_NO_MAIN
#include NNC_TRAINER

#include <stdio.h>
#include <stdlib.h>

#include "fp_mode.h"

static float x[NNC_BATCH * NNC_IN_SIZE], y[NNC_BATCH * NNC_CLASSES], probs[NNC_BATCH * NNC_CLASSES];
static uint64_t ids[NNC_BATCH];
static const nncrt_batch_key key = {1, 0, ids};

static int cmp(const void *a, const void *b)
{
    double d = *(const double *)a - *(const double *)b;
    return (d > 0) - (d < 0);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds for STEPS calls of one kind of work. */
static double run(const char *mode, int steps)
{
    double t0 = nnc_prof_now();
    for (int s = 0; s < steps; s++) {
        if (mode[0] == 't')
            nnc_model.train_step(x, y, NNC_BATCH, 1e-4f, &key, probs);
        else
            nnc_model.predict(x, mode[0] == 'i' ? NNC_BATCH : 1, probs);
    }
    return nnc_prof_now() - t0;
}

/* GFLOP/s of the layers with weights; milliseconds per step of every layer. */
static void print_layers(double images, double steps)
{
    for (int l = 0; l < NNC_LAYERS; l++)
        for (int p = 0; p < 2; p++) {
            if (nnc_prof_flops[l][p] > 0 && nnc_prof[l][p] > 0)
                printf("layer %s %s %.1f\n", nnc_prof_names[l], p ? "bwd" : "fwd",
                       nnc_prof_flops[l][p] * images / nnc_prof[l][p] / 1e9);
            if (nnc_prof[l][p] > 0)
                printf("time %s %s %.3f ms\n", nnc_prof_names[l], p ? "bwd" : "fwd",
                       nnc_prof[l][p] / steps * 1e3);
        }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s train|infer|latency RUNS STEPS\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    int runs = atoi(argv[2]), steps = atoi(argv[3]);
    if (runs < 1 || runs > 100 || steps < 1) {
        fprintf(stderr, "bad RUNS or STEPS\n");
        return 2;
    }
    uint64_t s = 1;
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((s = s * 6364136223846793005ULL + 1) >> 56);
    for (int i = 0; i < NNC_BATCH; i++)
        y[i * NNC_CLASSES + i % NNC_CLASSES] = 1;
    nncrt_flush_subnormals(); /* as the trainer's main does */
    nnc_model.init_params(1);
    run(mode, 3); /* warm up: page in the plan, start the threads */
    memset(nnc_prof, 0, sizeof nnc_prof);
    double t[100];
    for (int r = 0; r < runs; r++)
        t[r] = run(mode, steps);
    double per = median(t, runs) / steps;
    int batch = mode[0] == 'l' ? 1 : NNC_BATCH;
    if (mode[0] == 'l')
        printf("%s %.1f us\n", mode, per * 1e6);
    else
        printf("%s %.0f img/s\n", mode, batch / per);
    print_layers((double)runs * steps * batch, (double)runs * steps);
    return 0;
}
