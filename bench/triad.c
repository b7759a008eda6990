/* triad.c — memory bandwidth as STREAM's triad, a[i] = b[i] + s*c[i] over
 * three arrays of 32 MiB (far past the caches), OpenMP threads as the
 * trainers use them; the best of 10 passes, counting 3 arrays of traffic.
 * Prints "triad THREADS GB/s" for bench/run.py: the depthwise convolutions
 * are memory-bound, so their GB/s are set against this. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define N (8L << 20) /* floats per array */

int main(void)
{
    float *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *c = malloc(N * sizeof *c);
    if (!a || !b || !c)
        return 1;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < N; i++)
        a[i] = 0, b[i] = 1, c[i] = 2;
    double best = 1e30;
    for (int r = 0; r < 10; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < N; i++)
            a[i] = b[i] + 3.0f * c[i];
        double t = omp_get_wtime() - t0;
        best = t < best ? t : best;
    }
    printf("triad %d %.1f\n", omp_get_max_threads(), 3.0 * N * sizeof(float) / best / 1e9);
    return a[N / 2] == 7.0f ? 0 : 1;
}
