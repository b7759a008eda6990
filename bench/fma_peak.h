/* fma_peak.h — between fma_peak.c (the driver, built for any x86-64 or
 * other CPU) and fma_chains.c (the FMA loops, built with the kernels' ISA
 * flags). Only floats and ints cross: no vector type crosses the line. */
#ifndef FMA_PEAK_H
#define FMA_PEAK_H

#include <stddef.h>

/* Runs the FMA chains of vector width vw (1, 8 or 16 floats) and returns a
 * value that depends on every chain; *fmas gets the float FMAs it did. */
float fma_chains(int vw, double *fmas);

/* What vectors of vw floats compile to in fma_chains.c, e.g.
 * "256-bit FMA", "16-wide vectors as 2x 256-bit FMA, no AVX-512 in this build". */
void fma_describe(char *out, size_t n, int vw);

/* Floats in the widest vector register the build of fma_chains.c uses. */
extern const int fma_native_floats;

/* The x86 extensions fma_chains.c was built with (as __builtin_cpu_supports
 * names them), NULL-terminated; empty elsewhere. */
extern const char *const fma_build_isa[];

#endif
