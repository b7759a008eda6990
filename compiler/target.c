/* target.c — which SIMD kernels nnc emits. Every target goes through SIMDe,
 * so an avx2 trainer also builds on ARM (emulated on NEON lanes); the choice
 * only sets the vector width the kernels are blocked for. */
#include "nnc.h"

#include <string.h>

static const struct {
    const char *name;
    int vw;
} targets[] = {{"scalar", 0}, {"avx2", 8}, {"avx512", 16}, {"neon", 8}};

static const char *host_target(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return "avx512";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "avx2";
    return "scalar";
#elif defined(__aarch64__) || defined(__ARM_NEON)
    return "neon";
#else
    return "scalar";
#endif
}

int target_set(model *m, const char *name)
{
    if (!name || !strcmp(name, "host"))
        name = host_target();
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        if (!strcmp(name, targets[i].name)) {
            m->target = targets[i].name;
            m->vw = targets[i].vw;
            return 0;
        }
    fprintf(stderr, "nnc: error: unknown --target '%s'; expected host, scalar, avx2, avx512 "
                    "or neon\n", name);
    return -1;
}

/* The vector width of one layer's kernels, given the channel counts whose
 * divisibility picks them (SIMD where the width divides, else scalar): the
 * target's, unless 8 divides a count that it does not; then 8, the width of
 * AVX2 and NEON. Such a layer then picks exactly the kernels an 8-wide target
 * picks, with the same blocks, and adds in the same order: avx2 and avx512
 * builds of any spec train to the same bytes (the SIMD kernels of the widths
 * that divide every count add in one order, independent of the width). */
int target_layer_vw(const model *m, const int *counts, int n)
{
    if (m->vw <= 8)
        return m->vw;
    for (int i = 0; i < n; i++)
        if (counts[i] % 8 == 0 && counts[i] % m->vw)
            return 8;
    return m->vw;
}
