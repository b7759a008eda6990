/* templates/simd_prelude.c — the vector type of a SIMD target, through SIMDe
 * so one kernel source builds for AVX2, AVX-512 and, emulated on 128-bit
 * lanes, NEON. VW is the vector width in floats (8 or 16). */
/* nnc:defaults begin */
#include "prelude.c"
#ifndef NNC_TEMPLATE_ARGS /* a test may set every placeholder itself */
#define VW 8
#endif
/* nnc:defaults end */
#ifdef NNC_DOUBLE
#error "SIMD kernels are float-only: generate with nnc --target scalar for NNC_DOUBLE"
#endif
/* Built without the target's ISA flags, SIMDe emulates the vectors portably;
 * they never cross a call boundary outside this file, so the ABI note about
 * passing them does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"
#if VW == 16
#include <simde/x86/avx512.h>
typedef simde__m512 nnc_vec;
#define nnc_vload(p) simde_mm512_loadu_ps(p)
#define nnc_vstore(p, v) simde_mm512_storeu_ps(p, v)
#define nnc_vset1(f) simde_mm512_set1_ps(f)
#define nnc_vzero() simde_mm512_setzero_ps()
#define nnc_vfma(a, b, c) simde_mm512_fmadd_ps(a, b, c)
#define nnc_vadd(a, b) simde_mm512_add_ps(a, b)
#define nnc_vmax(a, b) simde_mm512_max_ps(a, b)
/* v where m[i] is not <= 0 (a ReLU's mask, as `m <= 0 ? 0 : v`), else 0 */
#define nnc_vkeep_pos(m, v)                                                                       \
    simde_mm512_maskz_mov_ps(                                                                     \
        simde_mm512_cmp_ps_mask(simde_mm512_loadu_ps(m), simde_mm512_setzero_ps(),               \
                                SIMDE_CMP_NLE_UQ), v)
/* v where the byte at p[i] is k, else 0 (lane i) */
#define nnc_vkeep_u8(p, k, v)                                                                     \
    simde_mm512_maskz_mov_ps((simde__mmask16)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(          \
                                 simde_mm_loadu_si128(p), simde_mm_set1_epi8((char)(k)))), v)
#else
#include <simde/x86/avx2.h> /* 8-bit to 32-bit lanes (nnc_vkeep_u8) */
#include <simde/x86/fma.h>
typedef simde__m256 nnc_vec;
#define nnc_vload(p) simde_mm256_loadu_ps(p)
#define nnc_vstore(p, v) simde_mm256_storeu_ps(p, v)
#define nnc_vset1(f) simde_mm256_set1_ps(f)
#define nnc_vzero() simde_mm256_setzero_ps()
#define nnc_vfma(a, b, c) simde_mm256_fmadd_ps(a, b, c)
#define nnc_vadd(a, b) simde_mm256_add_ps(a, b)
#define nnc_vmax(a, b) simde_mm256_max_ps(a, b)
/* v where m[i] is not <= 0 (a ReLU's mask, as `m <= 0 ? 0 : v`), else 0 */
#define nnc_vkeep_pos(m, v)                                                                       \
    simde_mm256_and_ps(simde_mm256_cmp_ps(simde_mm256_loadu_ps(m), simde_mm256_setzero_ps(),     \
                                          SIMDE_CMP_NLE_UQ), v)
/* v where the byte at p[i] is k, else 0 (lane i) */
#define nnc_vkeep_u8(p, k, v)                                                                     \
    simde_mm256_and_ps(simde_mm256_castsi256_ps(simde_mm256_cmpeq_epi32(                         \
                           simde_mm256_cvtepu8_epi32(simde_mm_loadu_si64(p)),                     \
                           simde_mm256_set1_epi32(k))), v)
#endif
#define NNC_VW VW
#define NNC_INLINE static inline __attribute__((always_inline))
