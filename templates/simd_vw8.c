/* templates/simd_vw8.c — the kernels after it use 256-bit vectors on an
 * AVX-512 target: a layer whose channels 8 divides but 16 does not (target.c,
 * target_layer_vw) runs the AVX2 kernels, so both targets add in one order.
 * simd_vw16.c switches back. */
/* nnc:defaults begin */
#define NNC_TEMPLATE_ARGS
#define VW 16
#include "simd_prelude.c"
/* nnc:defaults end */
#include <simde/x86/avx2.h>
#include <simde/x86/fma.h>
#undef NNC_VW
#undef nnc_vload
#undef nnc_vstore
#undef nnc_vset1
#undef nnc_vzero
#undef nnc_vfma
#undef nnc_vadd
#undef nnc_vmax
#undef nnc_vkeep_pos
#undef nnc_vkeep_u8
#define NNC_VW 8
#define nnc_vec simde__m256
#define nnc_vload(p) simde_mm256_loadu_ps(p)
#define nnc_vstore(p, v) simde_mm256_storeu_ps(p, v)
#define nnc_vset1(f) simde_mm256_set1_ps(f)
#define nnc_vzero() simde_mm256_setzero_ps()
#define nnc_vfma(a, b, c) simde_mm256_fmadd_ps(a, b, c)
#define nnc_vadd(a, b) simde_mm256_add_ps(a, b)
#define nnc_vmax(a, b) simde_mm256_max_ps(a, b)
#define nnc_vkeep_pos(m, v)                                                                       \
    simde_mm256_and_ps(simde_mm256_cmp_ps(simde_mm256_loadu_ps(m), simde_mm256_setzero_ps(),     \
                                          SIMDE_CMP_NLE_UQ), v)
#define nnc_vkeep_u8(p, k, v)                                                                     \
    simde_mm256_and_ps(simde_mm256_castsi256_ps(simde_mm256_cmpeq_epi32(                         \
                           simde_mm256_cvtepu8_epi32(simde_mm_loadu_si64(p)),                     \
                           simde_mm256_set1_epi32(k))), v)
