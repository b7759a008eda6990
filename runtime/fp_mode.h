/* fp_mode.h — subnormal floats flushed to zero in the trainer's threads.
 *
 * Adam's and RMSprop's slots of a weight whose gradient is zero (a pixel
 * that is always black, a dead unit) decay geometrically and become
 * subnormal after about 800 steps; on x86 every operation on a subnormal
 * costs a microcode assist, and the optimizer update of the Fashion-MNIST
 * example took 4x longer from then on. TensorFlow (and so Keras) trains with
 * flush-to-zero and denormals-are-zero set, and so does nnc: the results
 * differ only where a value is below FLT_MIN (1.2e-38). The mode is per
 * thread, so it is set in every OpenMP thread; exported predict code does
 * not touch the caller's mode. Header-only: bench/bench_driver.c uses it
 * without the runtime library. */
#ifndef NNCRT_FP_MODE_H
#define NNCRT_FP_MODE_H

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif
#include <omp.h>

static inline void nncrt_flush_subnormals_here(void)
{
#if defined(__SSE__) || defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() | 0x8040); /* FTZ (bit 15) and DAZ (bit 6) */
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1ul << 24))); /* FZ */
#endif
}

/* This thread and every thread of OpenMP's pool (at its current size). */
static inline void nncrt_flush_subnormals(void)
{
    nncrt_flush_subnormals_here();
#pragma omp parallel
    nncrt_flush_subnormals_here();
}

#endif
