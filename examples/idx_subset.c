/* idx_subset.c — an imbalanced subset of an MNIST-style IDX pair, to try
 * class weights on (examples/fashion_mnist_imbalanced.yaml):
 *
 *   idx_subset IMAGES.idx[.gz] LABELS.idx[.gz] OUT_STEM N KEEP CLASS...
 *
 * reads the first N samples, keeps every KEEP-th sample of each CLASS listed
 * (KEEP 10: a tenth of them) and every sample of the other classes, in file
 * order, and writes OUT_STEM-images-idx3-ubyte and OUT_STEM-labels-idx1-ubyte
 * (uncompressed), which `trainer fit --data OUT_STEM-images-idx3-ubyte` reads.
 * Prints how many samples of each class were kept. Standalone: needs zlib. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int fail(const char *path, const char *what)
{
    fprintf(stderr, "idx_subset: error: %s: %s\n", path, what);
    return 1;
}

/* The whole file, gzipped or not (gzread reads both). */
static unsigned char *slurp(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    int got;
    while (buf && (got = gzread(g, buf + n, (unsigned)(cap - n))) > 0) {
        n += (size_t)got;
        if (n == cap) {
            unsigned char *more = realloc(buf, cap *= 2);
            if (!more)
                free(buf);
            buf = more;
        }
    }
    gzclose(g);
    *len = n;
    return buf;
}

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static void put_be32(FILE *f, unsigned v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: idx_subset IMAGES LABELS OUT_STEM N KEEP CLASS...\n");
        return 2;
    }
    size_t ilen, llen;
    unsigned char *im = slurp(argv[1], &ilen), *lb = slurp(argv[2], &llen);
    if (!im || ilen < 16 || be32(im) != 0x803)
        return fail(argv[1], "not an IDX images file (magic 0x00000803)");
    if (!lb || llen < 8 || be32(lb) != 0x801)
        return fail(argv[2], "not an IDX labels file (magic 0x00000801)");
    size_t count = be32(im + 4), rows = be32(im + 8), cols = be32(im + 12), px = rows * cols;
    size_t n = strtoul(argv[4], NULL, 10), keep = strtoul(argv[5], NULL, 10);
    if (count != be32(lb + 4) || ilen != 16 + count * px || llen != 8 + count)
        return fail(argv[1], "images and labels disagree, or a file is truncated");
    if (n == 0 || n > count || keep == 0)
        return fail(argv[4], "N must be 1..the number of samples and KEEP at least 1");
    int minority[256] = {0};
    for (int i = 6; i < argc; i++)
        minority[atoi(argv[i]) & 255] = 1;
    char path[4096];
    snprintf(path, sizeof path, "%s-images-idx3-ubyte", argv[3]);
    FILE *fi = fopen(path, "wb");
    snprintf(path, sizeof path, "%s-labels-idx1-ubyte", argv[3]);
    FILE *fl = fopen(path, "wb");
    if (!fi || !fl)
        return fail(argv[3], "cannot write the output files");
    size_t seen[256] = {0}, kept[256] = {0}, total = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = lb[8 + i];
        if (minority[c] && seen[c]++ % keep)
            continue;
        kept[c]++, total++;
    }
    put_be32(fi, 0x803), put_be32(fi, (unsigned)total), put_be32(fi, (unsigned)rows);
    put_be32(fi, (unsigned)cols);
    put_be32(fl, 0x801), put_be32(fl, (unsigned)total);
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < n; i++) {
        unsigned c = lb[8 + i];
        if (minority[c] && seen[c]++ % keep)
            continue;
        fwrite(im + 16 + i * px, 1, px, fi);
        fputc((int)c, fl);
    }
    int bad = fclose(fi) | fclose(fl);
    if (bad)
        return fail(argv[3], "write error");
    printf("kept %zu of %zu samples:", total, n);
    for (int c = 0; c < 256; c++)
        if (kept[c])
            printf(" %d=%zu", c, kept[c]);
    printf("\n");
    free(im);
    free(lb);
    return 0;
}
