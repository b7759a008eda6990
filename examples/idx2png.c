/* idx2png.c — turn an MNIST-style IDX pair into a folder of class folders of
 * PNG files, the layout `trainer fit --data DIR` reads:
 *
 *   idx2png IMAGES.idx[.gz] LABELS.idx[.gz] OUTDIR [CLASSNAMES] [--limit N]
 *
 * writes OUTDIR/<class name>/<index, 5 digits>.png as 8-bit grayscale.
 * CLASSNAMES is comma separated (default "0".."9"), e.g. for Fashion-MNIST:
 * T-shirt_top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle_boot
 *
 * Standalone: needs only zlib and libpng. */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define MAX_CLASSES 256

static int fail(const char *path, const char *what)
{
    fprintf(stderr, "idx2png: error: %s: %s\n", path, what);
    return -1;
}

static int read_all(gzFile g, const char *path, void *buf, unsigned n)
{
    int got = gzread(g, buf, n);
    if (got < 0 || (unsigned)got != n)
        return fail(path, got < 0 ? "read error" : "file ends early (truncated?)");
    return 0;
}

/* Reads the magic and dims of an unsigned-byte IDX file with `ndim` dims. */
static gzFile open_idx(const char *path, int ndim, unsigned dims[3])
{
    unsigned char h[4];
    gzFile g = gzopen(path, "rb");
    if (!g) {
        fail(path, strerror(errno ? errno : ENOENT));
        return NULL;
    }
    if (read_all(g, path, h, 4) != 0 || h[0] || h[1] || h[2] != 0x08 || h[3] != ndim) {
        fail(path, "not an unsigned-byte IDX file of the expected rank");
        gzclose(g);
        return NULL;
    }
    for (int i = 0; i < ndim; i++) {
        unsigned char d[4];
        if (read_all(g, path, d, 4) != 0) {
            gzclose(g);
            return NULL;
        }
        dims[i] = (unsigned)d[0] << 24 | (unsigned)d[1] << 16 | (unsigned)d[2] << 8 | d[3];
    }
    return g;
}

static int write_png(const char *path, const unsigned char *px, unsigned w, unsigned h)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail(path, strerror(errno));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return fail(path, "libpng could not write the image");
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (unsigned y = 0; y < h; y++)
        png_write_row(png, px + (size_t)y * w);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(f) != 0)
        return fail(path, strerror(errno));
    return 0;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return fail(path, strerror(errno));
    return 0;
}

/* Splits "a,b,c" in place into names[]; returns the count or -1. */
static int split_names(char *list, char **names)
{
    int n = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        if (n == MAX_CLASSES || !*tok || strchr(tok, '/') || tok[0] == '.')
            return -1;
        names[n++] = tok;
    }
    return n;
}

static int usage(void)
{
    fprintf(stderr, "usage: idx2png IMAGES.idx[.gz] LABELS.idx[.gz] OUTDIR [CLASSNAMES] [--limit N]\n");
    return 2;
}

typedef struct job {
    const char *images, *labels, *outdir;
    char *names[MAX_CLASSES];
    int nnames;
    unsigned long limit;
} job;

static int parse_args(int argc, char **argv, job *j, char *defaults)
{
    const char *pos[4] = { 0 };
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            j->limit = strtoul(argv[++i], &end, 10);
            if (*end || end == argv[i] || errno || argv[i][0] == '-' || j->limit == 0)
                return fail(argv[i], "--limit needs a positive integer");
        } else if (argv[i][0] == '-' || npos == 4) {
            return -1;
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos < 3)
        return -1;
    j->images = pos[0], j->labels = pos[1], j->outdir = pos[2];
    char *list = pos[3] ? (char *)pos[3] : defaults;
    j->nnames = split_names(list, j->names);
    return j->nnames > 0 ? 0 : fail(list, "bad class name list");
}

static int convert(job *j, gzFile gi, gzFile gl, unsigned n, unsigned h, unsigned w)
{
    unsigned char *px = malloc((size_t)h * w);
    char path[4096];
    int rc = px ? make_dir(j->outdir) : fail(j->images, "out of memory");
    for (int k = 0; rc == 0 && k < j->nnames; k++) {
        snprintf(path, sizeof path, "%s/%s", j->outdir, j->names[k]);
        rc = make_dir(path);
    }
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        unsigned char label;
        if (read_all(gl, j->labels, &label, 1) != 0 || read_all(gi, j->images, px, h * w) != 0)
            rc = -1;
        else if (label >= j->nnames)
            rc = fail(j->labels, "label out of range of the class names");
        else if (snprintf(path, sizeof path, "%s/%s/%05u.png", j->outdir, j->names[label], i) >= (int)sizeof path)
            rc = fail(j->outdir, "path too long");
        else
            rc = write_png(path, px, w, h);
    }
    free(px);
    return rc;
}

int main(int argc, char **argv)
{
    char defaults[] = "0,1,2,3,4,5,6,7,8,9";
    job j = { 0 };
    if (parse_args(argc, argv, &j, defaults) != 0)
        return usage();
    unsigned idims[3], ldims[3];
    gzFile gi = open_idx(j.images, 3, idims);
    gzFile gl = gi ? open_idx(j.labels, 1, ldims) : NULL;
    int rc = 1;
    if (gl && idims[0] != ldims[0])
        fail(j.labels, "image and label counts differ");
    else if (gl && (idims[1] == 0 || idims[2] == 0 || idims[1] > 16384 || idims[2] > 16384))
        fail(j.images, "unsupported image size");
    else if (gl) {
        unsigned n = j.limit && j.limit < idims[0] ? (unsigned)j.limit : idims[0];
        rc = convert(&j, gi, gl, n, idims[1], idims[2]) == 0 ? 0 : 1;
        if (rc == 0)
            printf("wrote %u images to %s\n", n, j.outdir);
    }
    if (gi)
        gzclose(gi);
    if (gl)
        gzclose(gl);
    return rc;
}
