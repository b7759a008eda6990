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
