/* dataset_dups.c — images that are in both the training and the validation
 * subset. A validation image that is also a training image makes the
 * validation scores optimistic, and copies are common in scraped data sets.
 * "The same" means the same decoded pixels at the model's input size: what
 * the model sees. Samples are matched by a hash, then compared byte by byte. */
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "util.h"

static uint64_t mix(uint64_t x)   /* splitmix64's finalizer */
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t nncrt_hash64(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = p;
    uint64_t h = mix(seed ^ (0x9E3779B97F4A7C15ull * ((uint64_t)n + 1)));
    for (; n >= 8; n -= 8, b += 8) {
        uint64_t v;
        memcpy(&v, b, 8);
        h = (h ^ mix(v)) * 0x100000001B3ull;
    }
    uint64_t tail = 0;
    memcpy(&tail, b, n);
    return mix(h ^ mix(tail ^ n));
}

typedef struct keyed {
    uint64_t hash;
    size_t sample;
} keyed;

static int by_hash(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->sample < y->sample ? -1 : x->sample > y->sample;   /* first A sample wins */
}

static size_t image_bytes(const nncrt_dataset *ds)
{
    return (size_t)ds->h * (size_t)ds->w * (size_t)ds->c;
}

/* Samples idx[0..n) of ds with their pixel hashes, sorted by hash. */
static keyed *hash_all(const nncrt_dataset *ds, const size_t *idx, size_t n)
{
    keyed *k = nncrt_xmalloc_array(n + 1, sizeof *k);
    size_t isz = image_bytes(ds);
    long ln = (long)n;
    #pragma omp parallel for schedule(static)
    for (long i = 0; i < ln; i++) {
        k[i].sample = idx[i];
        k[i].hash = nncrt_hash64(ds->pixels + idx[i] * isz, isz, 0);
    }
    qsort(k, n, sizeof *k, by_hash);
    return k;
}

/* The first sample of A (sorted ka) with exactly the pixels of px, or SIZE_MAX. */
static size_t match(const nncrt_dataset *da, const keyed *ka, size_t na, uint64_t h,
                    const uint8_t *px)
{
    size_t lo = 0, hi = na, isz = image_bytes(da);
    while (lo < hi) {   /* first entry with hash >= h */
        size_t mid = lo + (hi - lo) / 2;
        if (ka[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < na && ka[lo].hash == h; lo++)
        if (memcmp(da->pixels + ka[lo].sample * isz, px, isz) == 0)
            return ka[lo].sample;
    return SIZE_MAX;
}

size_t nncrt_find_duplicates(const nncrt_dataset *da, const size_t *ia, size_t na,
                             const nncrt_dataset *db, const size_t *ib, size_t nb,
                             nncrt_dup **out)
{
    *out = NULL;
    if (image_bytes(da) != image_bytes(db) || na == 0 || nb == 0)
        return 0;
    keyed *ka = hash_all(da, ia, na);
    size_t isz = image_bytes(db), count = 0;
    for (size_t j = 0; j < nb; j++) {
        const uint8_t *px = db->pixels + ib[j] * isz;
        size_t a = match(da, ka, na, nncrt_hash64(px, isz, 0), px);
        if (a == SIZE_MAX)
            continue;
        *out = nncrt_xrealloc(*out, (count + 1) * sizeof **out);
        (*out)[count++] = (nncrt_dup){ a, ib[j] };
    }
    free(ka);
    return count;
}

const char *nncrt_sample_name(const nncrt_dataset *ds, size_t i, char *buf, size_t len)
{
    if (ds->paths && ds->paths[i])
        return ds->paths[i];
    snprintf(buf, len, "IDX sample #%zu", i);
    return buf;
}

void nncrt_warn_duplicates(const nncrt_dataset *train, const size_t *ti, size_t nt,
                           const nncrt_dataset *val, const size_t *vi, size_t nv)
{
    nncrt_dup *d;
    size_t n = nncrt_find_duplicates(train, ti, nt, val, vi, nv, &d);
    if (n == 0)
        return;
    nncrt_buf b = { 0 };
    for (size_t i = 0; i < n && i < 3; i++) {
        char x[48], y[48];
        nncrt_buf_printf(&b, "%s%s == %s", i ? "; " : "", nncrt_sample_name(val, d[i].b, x, sizeof x),
                         nncrt_sample_name(train, d[i].a, y, sizeof y));
    }
    nncrt_warn("%zu of %zu validation images are exact copies of training images, so validation "
               "scores will be optimistic: %s%s (run 'scan' for the full list)",
               n, nv, b.data, n > 3 ? "; ..." : "");
    nncrt_buf_free(&b);
    free(d);
}
