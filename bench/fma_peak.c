/* fma_peak.c — the machine's FP32 FMA peak, measured: every thread runs
 * independent chains of 8-wide fused multiply-adds (enough chains to cover
 * the FMA latency), so the loop is bound by FMA throughput alone.
 * Prints GFLOP/s for 1 thread and for the OpenMP thread count, each the best
 * of 7 runs: other load on the machine can only lower a peak. */
#include <omp.h>
#include <stdio.h>
#include <time.h>

#include <simde/x86/fma.h>

#define CHAINS 12
#define ITERS 20000000L

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float chains(void)
{
    simde__m256 acc[CHAINS], a = simde_mm256_set1_ps(0.999999f), b = simde_mm256_set1_ps(1e-7f);
    for (int c = 0; c < CHAINS; c++)
        acc[c] = simde_mm256_set1_ps((float)c);
    for (long i = 0; i < ITERS; i++)
        for (int c = 0; c < CHAINS; c++)
            acc[c] = simde_mm256_fmadd_ps(acc[c], a, b);
    float out[8], sum = 0;
    for (int c = 0; c < CHAINS; c++) {
        simde_mm256_storeu_ps(out, acc[c]);
        sum += out[0];
    }
    return sum;
}

static double gflops_once(int threads)
{
    volatile float sink = 0;
    double t0 = now();
#pragma omp parallel num_threads(threads)
    {
        float s = chains();
#pragma omp atomic
        sink += s;
    }
    double t = now() - t0;
    return (double)threads * ITERS * CHAINS * 8 * 2 / t / 1e9;
}

static double gflops(int threads)
{
    double best = 0;
    for (int r = 0; r < 7; r++) {
        double g = gflops_once(threads);
        best = g > best ? g : best;
    }
    return best;
}

int main(void)
{
    int n = omp_get_max_threads();
    printf("fma_peak 1 %.1f\n", gflops(1));
    printf("fma_peak %d %.1f\n", n, gflops(n));
    return 0;
}
