/* templates/simd_vw16.c — back to the AVX-512 target's 512-bit vectors
 * (simd_prelude.c) after the 256-bit kernels of a layer (simd_vw8.c). */
/* nnc:defaults begin */
#define NNC_TEMPLATE_ARGS
#define VW 16
#include "simd_vw8.c"
/* nnc:defaults end */
#undef NNC_VW
#undef nnc_vec
#undef nnc_vload
#undef nnc_vstore
#undef nnc_vset1
#undef nnc_vzero
#undef nnc_vfma
#undef nnc_vadd
#undef nnc_vmax
#undef nnc_vkeep_pos
#undef nnc_vkeep_u8
#define NNC_VW 16
#define nnc_vload(p) simde_mm512_loadu_ps(p)
#define nnc_vstore(p, v) simde_mm512_storeu_ps(p, v)
#define nnc_vset1(f) simde_mm512_set1_ps(f)
#define nnc_vzero() simde_mm512_setzero_ps()
#define nnc_vfma(a, b, c) simde_mm512_fmadd_ps(a, b, c)
#define nnc_vadd(a, b) simde_mm512_add_ps(a, b)
#define nnc_vmax(a, b) simde_mm512_max_ps(a, b)
#define nnc_vkeep_pos(m, v)                                                                       \
    simde_mm512_maskz_mov_ps(                                                                     \
        simde_mm512_cmp_ps_mask(simde_mm512_loadu_ps(m), simde_mm512_setzero_ps(),               \
                                SIMDE_CMP_NLE_UQ), v)
#define nnc_vkeep_u8(p, k, v)                                                                     \
    simde_mm512_maskz_mov_ps((simde__mmask16)simde_mm_movemask_epi8(simde_mm_cmpeq_epi8(          \
                                 simde_mm_loadu_si128(p), simde_mm_set1_epi8((char)(k)))), v)
