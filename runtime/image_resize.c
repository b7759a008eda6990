/* image_resize.c — tf.image.resize for 8-bit images: bilinear, nearest and
 * area, all with half-pixel centres, plus the crop and pad geometry of Keras's
 * crop_to_aspect_ratio and pad_to_aspect_ratio.
 *
 * Every mode is separable: along each axis an output index reads a few
 * consecutive input indices with fixed weights (its "taps"). So the resize is
 * a horizontal pass into a float buffer, then a vertical pass, which keeps
 * area downscaling of a large photo linear in its size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "util.h"

typedef struct axis_taps {
    int n;              /* output size */
    int maxn;           /* taps per output index, at most */
    int *start, *count; /* [n] */
    float *w;           /* [n][maxn] */
} axis_taps;

/* tf nearest with half_pixel_centers: floor((o + 0.5) * scale), clamped;
   in float as tf, which decides the ties where (o + 0.5) * scale is whole. */
static void nearest_taps(axis_taps *t, int in, float scale)
{
    for (int o = 0; o < t->n; o++) {
        int i = (int)floorf(((float)o + 0.5f) * scale);
        t->start[o] = i < in - 1 ? i : in - 1;
        t->count[o] = 1;
        t->w[(size_t)o * (size_t)t->maxn] = 1.0f;
    }
}

/* tf bilinear: the input coordinate (o + 0.5) * scale - 0.5 between its
   floor and ceil, each clamped to the image. */
static void bilinear_taps(axis_taps *t, int in, float scale)
{
    for (int o = 0; o < t->n; o++) {
        float x = ((float)o + 0.5f) * scale - 0.5f;
        float f = floorf(x);
        int lo = f < 0 ? 0 : (int)f, hi = (int)ceilf(x);
        hi = hi > in - 1 ? in - 1 : hi < 0 ? 0 : hi;
        float *w = t->w + (size_t)o * (size_t)t->maxn;
        t->start[o] = lo;
        t->count[o] = lo == hi ? 1 : 2;
        w[0] = lo == hi ? 1.0f : 1.0f - (x - f);
        w[1] = x - f;
    }
}

/* tf area: output o covers [o*scale, (o+1)*scale) of the input; each input
   cell weighs its overlap with that box, and the sum is divided by scale. */
static void area_taps(axis_taps *t, int in, double scale)
{
    for (int o = 0; o < t->n; o++) {
        double a = (double)o * scale, b = (double)(o + 1) * scale;
        int first = (int)floor(a), last = (int)ceil(b) - 1;
        float *w = t->w + (size_t)o * (size_t)t->maxn;
        if (last >= in)   /* rounding at the far edge: tf clamps the index too */
            last = in - 1;
        if (first > in - 1)
            first = in - 1;
        if (last < first)
            last = first;
        t->start[o] = first;
        t->count[o] = last - first + 1;
        for (int v = first; v <= last; v++) {
            double lo = v > a ? v : a, hi = v + 1 < b ? v + 1 : b;
            w[v - first] = (float)((hi > lo ? hi - lo : 0) / scale);
        }
    }
}

static void taps_init(axis_taps *t, int in, int out, int interp)
{
    double scale = (double)in / (double)out;
    t->n = out;
    t->maxn = interp == NNCRT_INTERP_AREA ? (int)ceil(scale) + 2 : 2;
    t->start = nncrt_xmalloc_array((size_t)out, sizeof *t->start);
    t->count = nncrt_xmalloc_array((size_t)out, sizeof *t->count);
    t->w = nncrt_xmalloc_array((size_t)out * (size_t)t->maxn, sizeof *t->w);
    if (interp == NNCRT_INTERP_NEAREST)
        nearest_taps(t, in, (float)in / (float)out);
    else if (interp == NNCRT_INTERP_AREA)
        area_taps(t, in, scale);
    else
        bilinear_taps(t, in, (float)in / (float)out);   /* tf computes the scale in float */
}

static void taps_free(axis_taps *t)
{
    free(t->start);
    free(t->count);
    free(t->w);
}

/* One source row filtered horizontally: row [sw][c] -> out [dw][c], c <= 4.
   Sums run tap by tap from 0, the same order in every caller. */
static void filter_row(const uint8_t *row, const axis_taps *tx, int c, float *out)
{
    for (int x = 0; x < tx->n; x++, out += c) {
        const uint8_t *p = row + (size_t)tx->start[x] * (size_t)c;
        const float *w = tx->w + (size_t)x * (size_t)tx->maxn;
        float acc[4] = { 0, 0, 0, 0 };
        for (int j = 0; j < tx->count[x]; j++, p += c)
            for (int k = 0; k < 4; k++)   /* fixed trip count: no per-k loop overhead */
                acc[k] += k < c ? w[j] * (float)p[k] : 0;
        for (int k = 0; k < c; k++)
            out[k] = acc[k];
    }
}

/* The same for one channel, the common case (gray sources are resized
   before they are expanded): here the loop overhead is the cost. */
static void filter_row1(const uint8_t *row, const axis_taps *tx, float *out)
{
    for (int x = 0; x < tx->n; x++) {
        const uint8_t *p = row + tx->start[x];
        const float *w = tx->w + (size_t)x * (size_t)tx->maxn;
        if (tx->count[x] <= 2) {   /* bilinear and nearest: the same sum, unrolled */
            out[x] = tx->count[x] == 2 ? w[0] * (float)p[0] + w[1] * (float)p[1]
                                       : w[0] * (float)p[0];
            continue;
        }
        float acc = 0;
        for (int j = 0; j < tx->count[x]; j++)
            acc += w[j] * (float)p[j];
        out[x] = acc;
    }
}

static uint8_t to_u8(float v)
{
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    return (uint8_t)(v + 0.5f);
}

/* One output row from count filtered rows (drow apart) and their weights;
   acc [drow] is scratch. Row by row, so the inner loops vectorise. */
static void filter_column(const float *rows, size_t drow, const float *w, int count,
                          float *restrict acc, uint8_t *restrict q)
{
    const float *r1 = rows + drow;
    if (count <= 2) {   /* bilinear and nearest: the same sum, in one pass */
        for (size_t i = 0; i < drow; i++)
            q[i] = to_u8(count == 2 ? w[0] * rows[i] + w[1] * r1[i] : w[0] * rows[i]);
        return;
    }
    for (size_t i = 0; i < drow; i++)
        acc[i] = 0;
    for (int j = 0; j < count; j++, rows += drow)
        for (size_t i = 0; i < drow; i++)
            acc[i] += w[j] * rows[i];
    for (size_t i = 0; i < drow; i++)
        q[i] = to_u8(acc[i]);
}

/* The rows some vertical tap reads: only those are filtered horizontally,
   so a bilinear downscale of a tall image touches 2 rows per output row. */
static unsigned char *rows_needed(const axis_taps *ty, int sh)
{
    unsigned char *need = nncrt_xcalloc((size_t)sh, 1);
    for (int y = 0; y < ty->n; y++)
        for (int j = 0; j < ty->count[y]; j++)
            need[ty->start[y] + j] = 1;
    return need;
}

void nncrt_image_resample(const uint8_t *src, int sh, int sw, size_t src_stride,
                          uint8_t *dst, int dh, int dw, size_t dst_stride, int c, int interp)
{
    size_t drow = (size_t)dw * (size_t)c;
    if (sh == dh && sw == dw) {   /* every mode is the identity at scale 1 */
        for (int y = 0; y < dh; y++)
            memcpy(dst + (size_t)y * dst_stride, src + (size_t)y * src_stride, drow);
        return;
    }
    axis_taps tx, ty;
    taps_init(&tx, sw, dw, interp);
    taps_init(&ty, sh, dh, interp);
    unsigned char *need = rows_needed(&ty, sh);
    float *tmp = nncrt_xmalloc_array((size_t)sh, drow * sizeof(float));   /* [sh][dw][c] */
    for (int y = 0; y < sh; y++) {
        if (need[y] && c == 1)
            filter_row1(src + (size_t)y * src_stride, &tx, tmp + (size_t)y * drow);
        else if (need[y])
            filter_row(src + (size_t)y * src_stride, &tx, c, tmp + (size_t)y * drow);
    }
    float *acc = nncrt_xmalloc_array(drow, sizeof *acc);
    for (int y = 0; y < dh; y++)
        filter_column(tmp + (size_t)ty.start[y] * drow, drow, ty.w + (size_t)y * (size_t)ty.maxn,
                      ty.count[y], acc, dst + (size_t)y * dst_stride);
    free(acc);
    free(tmp);
    free(need);
    taps_free(&tx);
    taps_free(&ty);
}

void nncrt_image_resize(const uint8_t *src, int sh, int sw, uint8_t *dst, int dh, int dw, int c)
{
    nncrt_image_resample(src, sh, sw, (size_t)sw * (size_t)c, dst, dh, dw,
                         (size_t)dw * (size_t)c, c, NNCRT_INTERP_BILINEAR);
}

/* keras.src.utils.image_utils.smart_resize, static-shape branch:
   crop_height = max(min(h, int(w * th / tw)), 1), start = int((h - crop) / 2). */
void nncrt_aspect_crop(int sh, int sw, int th, int tw, int *y0, int *x0, int *ch, int *cw)
{
    int h = (int)((double)sw * th / tw), w = (int)((double)sh * tw / th);
    h = h > sh ? sh : h < 1 ? 1 : h;
    w = w > sw ? sw : w < 1 ? 1 : w;
    *ch = h, *cw = w;
    *y0 = (int)((double)(sh - h) / 2);
    *x0 = (int)((double)(sw - w) / 2);
}

/* tf.image.resize_with_pad (_resize_image_with_pad_common), in float32 as
   there: ratio = max(w / tw, h / th); the image is resized to
   floor(h / ratio) x floor(w / ratio) and offset by floor((t - h / ratio) / 2).
   A side that would round to 0 is kept at 1 pixel. */
void nncrt_aspect_pad(int sh, int sw, int th, int tw, int *py, int *px, int *rh, int *rw)
{
    float ratio = fmaxf((float)sw / (float)tw, (float)sh / (float)th);
    float fh = (float)sh / ratio, fw = (float)sw / ratio;
    *rh = (int)floorf(fh), *rw = (int)floorf(fw);
    *rh = *rh > th ? th : *rh < 1 ? 1 : *rh;
    *rw = *rw > tw ? tw : *rw < 1 ? 1 : *rw;
    *py = (int)floorf(((float)th - fh) / 2), *px = (int)floorf(((float)tw - fw) / 2);
    *py = *py < 0 ? 0 : *py > th - *rh ? th - *rh : *py;
    *px = *px < 0 ? 0 : *px > tw - *rw ? tw - *rw : *px;
}
