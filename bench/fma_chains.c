/* fma_chains.c — the loops of fma_peak, built with the flags the trainers'
 * kernels are built with (make bench: $(BENCH_CC), -march=native), on the
 * vector type templates/simd_prelude.c gives each target: simde__m512 for
 * avx512, simde__m256 for avx2 and neon; plain float only where the build
 * has no vectors at all. Each runs
 * independent chains of fused multiply-adds, enough to cover the FMA latency
 * and few enough to stay in registers, so it is bound by FMA throughput. */
#include "fma_peak.h"

#include <math.h>
#include <stdio.h>

#pragma GCC diagnostic ignored "-Wpsabi" /* as in simd_prelude.c: no vector crosses a call */
#include <simde/x86/avx512.h>
#include <simde/x86/fma.h>

#define ITERS 20000000L
#define REGS 12 /* in flight: more than FMA latency x FMA ports, fewer than AVX2's 16 */

/* Floats in one register of the widest vector SIMDe uses natively here. */
#if SIMDE_NATURAL_VECTOR_SIZE > 0
#define NATIVE_FLOATS (SIMDE_NATURAL_VECTOR_SIZE / 32)
#else
#define NATIVE_FLOATS 1
#endif
#define PARTS(vw) ((vw) > NATIVE_FLOATS ? (vw) / NATIVE_FLOATS : 1)
#define CHAINS(vw) (REGS / PARTS(vw))

#if defined(SIMDE_X86_FMA_NATIVE) || defined(SIMDE_ARM_NEON_A64V8_NATIVE) ||                   \
    defined(__ARM_FEATURE_FMA)
#define HW_FMA 1
#else
#define HW_FMA 0 /* SIMDe falls back to a multiply and an add */
#endif

/* Keeps each scalar chain in its own register: without it the compiler may
 * pack the twelve chains into vectors, which scalar kernels are not. */
#if defined(__x86_64__) || defined(__i386__)
#define KEEP_SCALAR(v) __asm__("" : "+x"(v))
#elif defined(__aarch64__)
#define KEEP_SCALAR(v) __asm__("" : "+w"(v))
#else
#define KEEP_SCALAR(v) (void)(v)
#endif

const int fma_native_floats = NATIVE_FLOATS;

const char *const fma_build_isa[] = {
#ifdef __AVX512F__
    "avx512f",
#endif
#ifdef __FMA__
    "fma",
#endif
#ifdef __AVX2__
    "avx2",
#endif
#ifdef __AVX__
    "avx",
#endif
    NULL};

static float chains1(void)
{
    float acc[CHAINS(1)], sum = 0;
    for (int c = 0; c < CHAINS(1); c++)
        acc[c] = (float)c;
    for (long i = 0; i < ITERS; i++)
        for (int c = 0; c < CHAINS(1); c++) {
#if HW_FMA
            acc[c] = fmaf(acc[c], 0.999999f, 1e-7f);
#else
            acc[c] = acc[c] * 0.999999f + 1e-7f;
#endif
            KEEP_SCALAR(acc[c]);
        }
    for (int c = 0; c < CHAINS(1); c++)
        sum += acc[c];
    return sum;
}

static float chains8(void)
{
    simde__m256 acc[CHAINS(8)], a = simde_mm256_set1_ps(0.999999f), b = simde_mm256_set1_ps(1e-7f);
    for (int c = 0; c < CHAINS(8); c++)
        acc[c] = simde_mm256_set1_ps((float)c);
    for (long i = 0; i < ITERS; i++)
        for (int c = 0; c < CHAINS(8); c++)
            acc[c] = simde_mm256_fmadd_ps(acc[c], a, b);
    float out[8], sum = 0;
    for (int c = 0; c < CHAINS(8); c++) {
        simde_mm256_storeu_ps(out, acc[c]);
        sum += out[0];
    }
    return sum;
}

static float chains16(void)
{
    simde__m512 acc[CHAINS(16)], a = simde_mm512_set1_ps(0.999999f), b = simde_mm512_set1_ps(1e-7f);
    for (int c = 0; c < CHAINS(16); c++)
        acc[c] = simde_mm512_set1_ps((float)c);
    for (long i = 0; i < ITERS; i++)
        for (int c = 0; c < CHAINS(16); c++)
            acc[c] = simde_mm512_fmadd_ps(acc[c], a, b);
    float out[16], sum = 0;
    for (int c = 0; c < CHAINS(16); c++) {
        simde_mm512_storeu_ps(out, acc[c]);
        sum += out[0];
    }
    return sum;
}

float fma_chains(int vw, double *fmas)
{
    *fmas = (double)ITERS * CHAINS(vw) * vw;
    return vw == 16 ? chains16() : vw == 8 ? chains8() : chains1();
}

void fma_describe(char *out, size_t n, int vw)
{
    int parts = PARTS(vw), bits = vw / parts * 32;
    const char *op = HW_FMA ? "FMA" : "mul+add";
    if (vw == 1)
        snprintf(out, n, "scalar %s", op);
    else if (parts == 1)
        snprintf(out, n, "%d-bit %s", bits, op);
    else
        snprintf(out, n, "%d-wide vectors as %dx %d-bit %s%s", vw, parts, bits, op,
                 vw == 16 && NATIVE_FLOATS == 8 ? ", no AVX-512 in this build" : "");
}
