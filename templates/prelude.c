/* templates/prelude.c — what every generated file starts with: the scalar type
 * (float; double when a test builds with -DNNC_DOUBLE for finite differences),
 * math helpers for that type, and a stand-in for OpenMP when built without it. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#else
static inline int omp_get_thread_num(void) { return 0; }
static inline int omp_get_num_threads(void) { return 1; }
#endif

#ifdef NNC_DOUBLE
typedef double nnc_real;
#define nnc_sqrt sqrt
#define nnc_exp exp
#define nnc_log log
#else
typedef float nnc_real;
#define nnc_sqrt sqrtf
#define nnc_exp expf
#define nnc_log logf
#endif

#define NNC_ALIGN _Alignas(64)
/* backward kernels go unused when no layer before them needs gradients */
#define NNC_MAYBE_UNUSED __attribute__((unused))
