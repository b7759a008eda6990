/* rng.c — xoshiro256** (Blackman & Vigna) seeded with splitmix64. */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void nncrt_rng_seed(nncrt_rng *r, uint64_t seed, uint64_t stream)
{
    /* Hash the stream first so that (seed, stream) and (seed+1, stream-1)
       do not start from neighbouring splitmix states. */
    uint64_t k = stream;
    uint64_t x = seed ^ splitmix64(&k);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);   /* never all zero: splitmix64 is a bijection */
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t nncrt_rng_next(nncrt_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t nncrt_rng_below(nncrt_rng *r, uint64_t n)
{
    /* Rejection sampling: drop the top partial range so every value in
       [0,n) is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = nncrt_rng_next(r);
    while (v >= limit);
    return v % n;
}

double nncrt_rng_uniform(nncrt_rng *r)
{
    return (double)(nncrt_rng_next(r) >> 11) * 0x1.0p-53;
}

void nncrt_shuffle(size_t *idx, size_t n, nncrt_rng *r)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nncrt_rng_below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
