/* rng.h — seeded, deterministic random numbers (xoshiro256** seeded through
 * splitmix64). A generator is keyed by (seed, stream) so that, e.g., the
 * shuffle of epoch 7 depends only on the seed and the number 7: resuming at
 * epoch 7 reproduces it exactly, whatever happened before. */
#ifndef NNCRT_RNG_H
#define NNCRT_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct nncrt_rng {
    uint64_t s[4];
} nncrt_rng;

/* Stream keys used by the runtime; epoch e uses NNCRT_STREAM_EPOCH + e. */
enum {
    NNCRT_STREAM_SPLIT = 1,
    NNCRT_STREAM_EPOCH = 0x1000,
};

void nncrt_rng_seed(nncrt_rng *r, uint64_t seed, uint64_t stream);
uint64_t nncrt_rng_next(nncrt_rng *r);
uint64_t nncrt_rng_below(nncrt_rng *r, uint64_t n);   /* uniform in [0,n), n > 0 */
double nncrt_rng_uniform(nncrt_rng *r);               /* uniform in [0,1) */
void nncrt_shuffle(size_t *idx, size_t n, nncrt_rng *r);   /* Fisher-Yates */

#endif
