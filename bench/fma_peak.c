/* fma_peak.c — the FP32 FMA peak of one nnc target, measured with that
 * target's vector type and the kernels' build flags (fma_chains.c):
 *   fma_peak TARGET        scalar, avx2, avx512 or neon (compiler/target.c)
 * (scalar: the widest vectors of the build, as the compiler vectorizes the
 * scalar kernels' plain C).
 * Prints what those vectors compile to, then GFLOP/s for 1 thread and for
 * the OpenMP thread count, each the best of 7 runs (other load on the
 * machine can only lower a peak):
 *   fma_isa avx2 256-bit FMA
 *   fma_peak 1 91.2
 *   fma_peak 2 182.4
 * This file is built without ISA flags, so that it can refuse, with exit 3
 * and a message, a CPU that lacks an extension fma_chains.c was built with
 * (-mavx512f, or -march=native on an AVX-512 machine, run on an AVX2 one)
 * instead of dying of SIGILL: with those flags the compiler uses the ISA
 * wherever it likes, even in the loop that reads the arguments. */
#include "fma_peak.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double gflops_once(int vw, int threads)
{
    volatile float sink = 0;
    double fmas = 0, t0 = now();
#pragma omp parallel num_threads(threads)
    {
        double f;
        float s = fma_chains(vw, &f);
#pragma omp critical
        {
            sink += s;
            fmas += f;
        }
    }
    return fmas * 2 / (now() - t0) / 1e9;
}

static double gflops(int vw, int threads)
{
    double best = 0;
    for (int r = 0; r < 7; r++) {
        double g = gflops_once(vw, threads);
        best = g > best ? g : best;
    }
    return best;
}

/* __builtin_cpu_supports takes only a literal. */
static int cpu_has(const char *isa)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (!strcmp(isa, "avx512f"))
        return __builtin_cpu_supports("avx512f");
    if (!strcmp(isa, "fma"))
        return __builtin_cpu_supports("fma");
    if (!strcmp(isa, "avx2"))
        return __builtin_cpu_supports("avx2");
    if (!strcmp(isa, "avx"))
        return __builtin_cpu_supports("avx");
#endif
    (void)isa;
    return 0;
}

static int cpu_lacks_build_isa(void)
{
    for (int i = 0; fma_build_isa[i]; i++)
        if (!cpu_has(fma_build_isa[i])) {
            fprintf(stderr, "fma_peak: its FMA loops were built with %s instructions (their "
                            "-m/-march flags) and this CPU has none: they would die of "
                            "SIGILL. Build them on the machine that runs them (make bench "
                            "does, with -march=native).\n", fma_build_isa[i]);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int vw;
    } targets[] = {{"scalar", 1}, {"avx2", 8}, {"avx512", 16}, {"neon", 8}};
    int vw = 0;
    for (size_t i = 0; argc == 2 && i < sizeof targets / sizeof *targets; i++)
        if (!strcmp(argv[1], targets[i].name))
            vw = targets[i].vw;
    if (!vw) {
        fprintf(stderr, "usage: %s scalar|avx2|avx512|neon (the trainers' --target)\n", argv[0]);
        return 2;
    }
    if (cpu_lacks_build_isa())
        return 3;
    char isa[96];
    if (vw == 1) {
        /* --target scalar: plain C loops, which the compiler vectorizes (at
         * -O3 they ran at twice the 1-wide FMA peak), so the widest vectors
         * of the build are their ceiling. */
        vw = fma_native_floats >= 16 ? 16 : fma_native_floats >= 4 ? 8 : 1;
        fma_describe(isa, sizeof isa, vw);
        printf("fma_isa scalar plain C, vectorized by the compiler: up to %s\n", isa);
    } else {
        fma_describe(isa, sizeof isa, vw);
        printf("fma_isa %s %s\n", argv[1], isa);
    }
    int n = omp_get_max_threads();
    printf("fma_peak 1 %.1f\n", gflops(vw, 1));
    printf("fma_peak %d %.1f\n", n, gflops(vw, n));
    return 0;
}
