/* image.c — from an image file to the model's input: format detection,
 * channel conversion, then the crop/pad and resize of image_resize.c. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* tf.image.rgb_to_grayscale weights (ITU-R 601). */
static uint8_t luma(const uint8_t *p)
{
    float y = 0.2989f * p[0] + 0.5870f * p[1] + 0.1140f * p[2];
    return (uint8_t)(y + 0.5f);   /* y <= 254.97, so no clamp needed */
}

/* One loop per (source, target) channel pair: this runs for every pixel of
   every image, and a per-pixel switch costs more than the copy itself. */
void nncrt_image_convert(const uint8_t *src, int src_c, uint8_t *dst, int dst_c, size_t npix)
{
    const uint8_t *p = src;
    uint8_t *q = dst;
    size_t n = npix;
    switch (src_c * 10 + dst_c) {
    case 13:
        for (; n--; p += 1, q += 3)
            q[0] = q[1] = q[2] = p[0];
        break;
    case 14:
        for (; n--; p += 1, q += 4)
            q[0] = q[1] = q[2] = p[0], q[3] = 255;
        break;
    case 21:
        for (; n--; p += 2, q += 1)
            q[0] = p[0];
        break;
    case 23:
        for (; n--; p += 2, q += 3)
            q[0] = q[1] = q[2] = p[0];
        break;
    case 24:
        for (; n--; p += 2, q += 4)
            q[0] = q[1] = q[2] = p[0], q[3] = p[1];
        break;
    case 31:
    case 41:
        for (; n--; p += src_c, q += 1)
            q[0] = luma(p);
        break;
    case 34:
        for (; n--; p += 3, q += 4)
            q[0] = p[0], q[1] = p[1], q[2] = p[2], q[3] = 255;
        break;
    case 43:
        for (; n--; p += 4, q += 3)
            q[0] = p[0], q[1] = p[1], q[2] = p[2];
        break;
    default:   /* the same channel count */
        memcpy(dst, src, npix * (size_t)src_c);
        break;
    }
}

/* Where the resized image goes in dst, and which part of src it comes from. */
typedef struct placement {
    int sy, sx, sh, sw;     /* source window */
    int dy, dx, dh, dw;     /* target box inside [o->h][o->w] */
} placement;

static placement place(int h, int w, const nncrt_image_opts *o)
{
    placement p = { 0, 0, h, w, 0, 0, o->h, o->w };
    if (o->aspect == NNCRT_ASPECT_CROP)
        nncrt_aspect_crop(h, w, o->h, o->w, &p.sy, &p.sx, &p.sh, &p.sw);
    else if (o->aspect == NNCRT_ASPECT_PAD)
        nncrt_aspect_pad(h, w, o->h, o->w, &p.dy, &p.dx, &p.dh, &p.dw);
    return p;
}

/* Resizes img (already in c channels) into dst as p says; zero outside. */
static void place_resized(const uint8_t *px, int w, int c, const placement *p,
                          const nncrt_image_opts *o, uint8_t *dst)
{
    size_t sstride = (size_t)w * (size_t)c, dstride = (size_t)o->w * (size_t)c;
    if (p->dh != o->h || p->dw != o->w)
        memset(dst, 0, (size_t)o->h * dstride);   /* letterbox: zeros, alpha too */
    nncrt_image_resample(px + (size_t)p->sy * sstride + (size_t)p->sx * (size_t)c, p->sh, p->sw,
                         sstride, dst + (size_t)p->dy * dstride + (size_t)p->dx * (size_t)c,
                         p->dh, p->dw, dstride, c, o->interpolation);
}

int nncrt_image_fit_opts(const nncrt_image *src, const nncrt_image_opts *o, uint8_t *dst,
                         char *err, size_t errlen)
{
    int c = o->c;
    if (c != 1 && c != 3 && c != 4) {
        snprintf(err, errlen, "unsupported input channel count %d (use 1, 3 or 4)", c);
        return -1;
    }
    if (src->c < 1 || src->c > 4) {
        snprintf(err, errlen, "unsupported image channel count %d", src->c);
        return -1;
    }
    placement p = place(src->h, src->w, o);
    size_t npix = (size_t)src->h * (size_t)src->w;   /* bounded by the decoders' limits */
    if (src->c == c) {
        place_resized(src->px, src->w, c, &p, o, dst);
    } else if (src->c == 1 && o->aspect != NNCRT_ASPECT_PAD) {
        /* gray to rgb(a) copies the value: resizing first is exact and c times cheaper */
        uint8_t *tmp = nncrt_xmalloc_array((size_t)o->h * (size_t)o->w, 1);
        place_resized(src->px, src->w, 1, &p, o, tmp);
        nncrt_image_convert(tmp, 1, dst, c, (size_t)o->h * (size_t)o->w);
        free(tmp);
    } else {   /* Keras decodes to c channels first, then resizes */
        uint8_t *tmp = nncrt_xmalloc_array(npix, (size_t)c);
        nncrt_image_convert(src->px, src->c, tmp, c, npix);
        place_resized(tmp, src->w, c, &p, o, dst);
        free(tmp);
    }
    return 0;
}

int nncrt_image_fit(const nncrt_image *src, int h, int w, int c, uint8_t *dst,
                    char *err, size_t errlen)
{
    nncrt_image_opts o = { h, w, c, NNCRT_INTERP_BILINEAR, NNCRT_ASPECT_STRETCH };
    return nncrt_image_fit_opts(src, &o, dst, err, errlen);
}

int nncrt_image_check_size(unsigned long w, unsigned long h, char *err, size_t errlen)
{
    if (w == 0 || h == 0) {
        snprintf(err, errlen, "the header declares an empty %lux%lu image", w, h);
        return -1;
    }
    if (w > NNCRT_IMAGE_MAX_DIM || h > NNCRT_IMAGE_MAX_DIM ||
        (size_t)w * (size_t)h > NNCRT_IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "refused: the header declares %lux%lu pixels, which exceeds "
                 "the limit of %d per side and %zu Mpixel", w, h, NNCRT_IMAGE_MAX_DIM,
                 NNCRT_IMAGE_MAX_PIXELS >> 20);
        return -1;
    }
    return 0;
}

static bool is_png(const unsigned char *b) { return !memcmp(b, "\x89PNG\r\n\x1a\n", 8); }
static bool is_jpeg(const unsigned char *b) { return b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

/* What a file that is neither PNG nor JPEG is, for the message. */
static void unknown_format(const char *path, const unsigned char *b, size_t n,
                           char *err, size_t errlen)
{
    if (n == 0)
        snprintf(err, errlen, "empty file");
    else if (n >= 4 && (!memcmp(b, "GIF8", 4) || !memcmp(b, "BM", 2)))
        snprintf(err, errlen, "%s images are not supported (only PNG and JPEG)",
                 b[0] == 'G' ? "GIF" : "BMP");
    else if (nncrt_has_suffix_ci(path, ".png"))
        snprintf(err, errlen, "not a PNG file");
    else if (nncrt_has_suffix_ci(path, ".jpg") || nncrt_has_suffix_ci(path, ".jpeg"))
        snprintf(err, errlen, "not a JPEG file");
    else
        snprintf(err, errlen, "neither a PNG nor a JPEG file");
}

/* The whole regular file open in fd, st its fstat. */
static int read_regular(int fd, const struct stat *st, uint8_t **data, size_t *size, char *err,
                        size_t errlen)
{
    if ((uint64_t)st->st_size > NNCRT_IMAGE_MAX_FILE) {
        snprintf(err, errlen, "refused: a file of %lld bytes (the limit is %zu MiB)",
                 (long long)st->st_size, NNCRT_IMAGE_MAX_FILE >> 20);
        return -1;
    }
    size_t n = (size_t)st->st_size, got = 0;
    uint8_t *b = nncrt_xmalloc(n + 1);
    ssize_t r = 1;
    while (got < n && (r = read(fd, b + got, n - got)) > 0)
        got += (size_t)r;
    if (r < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        free(b);
        return -1;
    }
    *data = b, *size = got;   /* a file that shrank meanwhile decodes as truncated */
    return 0;
}

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a folder" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

/* O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a
   terminal must not become ours. A regular file reads the same either way. */
static int open_input(const char *path, struct stat *st, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 || fstat(fd, st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int nncrt_read_image_file(const char *path, uint8_t **data, size_t *size, char *err,
                          size_t errlen)
{
    struct stat st;
    *data = NULL, *size = 0;
    if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
        snprintf(err, errlen, "%s, not an image file", kind_of(st.st_mode));
        return -1;   /* not even opened: opening some devices acts on them */
    }
    int fd = open_input(path, &st, err, errlen);
    if (fd < 0)
        return -1;
    int rc = -1;
    if (S_ISREG(st.st_mode))
        rc = read_regular(fd, &st, data, size, err, errlen);
    else
        snprintf(err, errlen, "%s, not a regular file", kind_of(st.st_mode));
    close(fd);
    return rc;
}

/* Waits up to idle_ms for fd to be readable: 1 ready, 0 timed out, -1 error. */
static int wait_readable(int fd, int idle_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r;
    while ((r = poll(&p, 1, idle_ms)) < 0 && errno == EINTR)
        ;
    return r;
}

/* read() that gives up (ETIMEDOUT) after idle_ms without data. A
   non-blocking FIFO is read first: with no writer (ever) it reads as end of
   file at once, where poll() would wait. A blocking descriptor (a pipe on
   standard input) is polled first, so read() cannot block. */
static ssize_t read_some(int fd, void *p, size_t n, int idle_ms)
{
    bool nonblocking = (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
    for (;;) {
        int ready = nonblocking ? 1 : wait_readable(fd, idle_ms);
        ssize_t r = ready > 0 ? read(fd, p, n) : -1;
        if (ready == 0)
            errno = ETIMEDOUT;
        if (r >= 0 || ready <= 0 || (errno != EAGAIN && errno != EINTR))
            return r;
        if (nonblocking && (ready = wait_readable(fd, idle_ms)) <= 0) {
            if (ready == 0)
                errno = ETIMEDOUT;
            return -1;
        }
    }
}

int nncrt_read_image_stream(int fd, int idle_ms, uint8_t **data, size_t *size, char *err,
                            size_t errlen)
{
    const size_t limit = NNCRT_IMAGE_MAX_FILE;
    size_t cap = 1 << 16, got = 0;
    uint8_t *b = nncrt_xmalloc(cap);
    *data = NULL, *size = 0;
    for (;;) {
        if (got == cap) {   /* room for one byte past the limit, to see it passed */
            cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            b = nncrt_xrealloc(b, cap);
        }
        ssize_t r = read_some(fd, b + got, cap - got, idle_ms);
        if (r > 0 && (got += (size_t)r) <= limit)
            continue;
        if (r == 0) {
            *data = b, *size = got;
            return 0;
        }
        if (r > 0)
            snprintf(err, errlen, "refused: the stream holds more than %zu MiB", limit >> 20);
        else if (errno == ETIMEDOUT)
            snprintf(err, errlen, "nothing arrived for %g s (the stream is still open)",
                     idle_ms / 1000.0);
        else
            snprintf(err, errlen, "%s", strerror(errno));
        free(b);
        return -1;
    }
}

/* Standard input: a file redirected into it, or a pipe or socket. */
static int read_stdin(uint8_t **data, size_t *size, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(0, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode))
        return read_regular(0, &st, data, size, err, errlen);
    if (isatty(0)) {
        snprintf(err, errlen, "standard input is a terminal; pipe an image into it");
        return -1;
    }
    if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "standard input is %s, not an image file or a pipe",
                 kind_of(st.st_mode));
        return -1;
    }
    return nncrt_read_image_stream(0, NNCRT_STREAM_IDLE_S * 1000, data, size, err, errlen);
}

int nncrt_read_image_input(const char *path, uint8_t **data, size_t *size, char *err,
                           size_t errlen)
{
    struct stat st;
    *data = NULL, *size = 0;
    if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdin") == 0)
        return read_stdin(data, size, err, errlen);
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode))
        return nncrt_read_image_file(path, data, size, err, errlen);
    if (!S_ISFIFO(st.st_mode)) {   /* devices are not even opened */
        snprintf(err, errlen, "%s, not an image file or a pipe", kind_of(st.st_mode));
        return -1;
    }
    int fd = open_input(path, &st, err, errlen);
    if (fd < 0)
        return -1;
    int rc = nncrt_read_image_stream(fd, NNCRT_STREAM_IDLE_S * 1000, data, size, err, errlen);
    close(fd);
    return rc;
}

int nncrt_image_decode_mem(const uint8_t *data, size_t n, const char *name, nncrt_image *out,
                           char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n >= 8 && is_png(data))
        return nncrt_png_decode_mem(data, n, out, err, errlen);
    if (n >= 3 && is_jpeg(data))
        return nncrt_jpeg_decode_mem(data, n, out, err, errlen);
    unknown_format(name ? name : "", data, n, err, errlen);
    return -1;
}

int nncrt_image_decode(const char *path, nncrt_image *out, char *err, size_t errlen)
{
    uint8_t *data;
    size_t n;
    memset(out, 0, sizeof *out);
    if (nncrt_read_image_file(path, &data, &n, err, errlen) != 0)
        return -1;
    int rc = nncrt_image_decode_mem(data, n, path, out, err, errlen);
    free(data);
    return rc;
}

int nncrt_image_load_mem(const uint8_t *data, size_t n, const char *name,
                         const nncrt_image_opts *o, uint8_t *dst, char *err, size_t errlen)
{
    nncrt_image img;
    if (nncrt_image_decode_mem(data, n, name, &img, err, errlen) != 0)
        return -1;
    int rc = nncrt_image_fit_opts(&img, o, dst, err, errlen);
    free(img.px);
    return rc;
}

int nncrt_image_load(const char *path, const nncrt_image_opts *o, uint8_t *dst,
                     char *err, size_t errlen)
{
    nncrt_image img;
    if (nncrt_image_decode(path, &img, err, errlen) != 0)
        return -1;
    int rc = nncrt_image_fit_opts(&img, o, dst, err, errlen);
    free(img.px);
    return rc;
}
