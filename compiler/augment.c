/* augment.c — the top-level augment: list → model.augment. Each item is one
 * Keras preprocessing layer (random_flip, random_rotation, ...) with Keras's
 * parameter names, meanings and defaults. Every value is range-checked here;
 * emit_augment.c turns the result into code. */
#include "nnc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const aug_names[] = {"random_flip",  "random_rotation", "random_zoom",
                                        "random_translation", "random_crop",
                                        "random_contrast", "random_brightness", NULL};
/* Keras image augmentation layers nnc does not have: named, not "unknown". */
static const char *const keras_only[] = {"random_shear", "random_perspective", "random_hue",
                                         "random_saturation", "random_color_jitter",
                                         "random_grayscale", "random_gaussian_blur",
                                         "random_erasing", "random_sharpness", "random_invert",
                                         "random_posterization", "random_elastic_transform",
                                         "mix_up", "cut_mix", "aug_mix", "rand_augment", NULL};

static const char *const fill_modes[] = {"reflect", "wrap", "constant", "nearest", NULL};
static const char *const interps[] = {"bilinear", "nearest", NULL};

/* A factor as Keras takes it: a scalar f >= 0 means [-f, f] (or, with
 * symmetric = 0, lo = hi = f: contrast's "lower and upper amount"); a list
 * [lo, hi] gives the bounds. Both ends lie in [min, max]. */
static int read_factor(attrs *a, const char *key, double min, double max, int symmetric,
                       double out[2])
{
    char ctx[128];
    const ynode *nd = attrs_get(a, key);
    snprintf(ctx, sizeof ctx, "%s: %s", a->ctx, key);
    if (nd->kind == NODE_SEQ) {
        if (nd->n != 2) {
            diag_error(nd->loc, "%s: expected a number or a list [lower, upper], found %d items",
                       ctx, nd->n);
            return -1;
        }
        if (node_real(nd->items[0], ctx, min, max, &out[0]) ||
            node_real(nd->items[1], ctx, min, max, &out[1]))
            return -1;
        if (symmetric && out[0] > out[1]) {
            diag_error(nd->loc, "%s: lower bound %g is above upper bound %g", ctx, out[0], out[1]);
            return -1;
        }
        return 0;
    }
    double f;
    if (node_real(nd, ctx, symmetric ? 0 : min, max, &f)) {
        if (nd->kind == NODE_SCALAR && symmetric && strtod(nd->text, NULL) < 0)
            diag_note(nd->loc, "a single number f means [-f, f]; write [lower, upper] for "
                               "a one-sided range");
        return -1;
    }
    out[0] = symmetric ? -f : f;
    out[1] = f;
    return 0;
}

/* read_factor for a key Keras requires. */
static int need_factor(attrs *a, augment_op *op, const char *key, double min, double max,
                       int symmetric, double out[2])
{
    if (!attrs_get(a, key)) {
        diag_error(op->loc, "%s: missing '%s' (e.g. {%s: 0.1})", a->ctx, key, key);
        return -1;
    }
    return read_factor(a, key, min, max, symmetric, out);
}

/* Zoom factors are -1 < f <= 1: a zoom of 1 + f = 0 would sample one point. */
static int check_zoom(attrs *a, const char *key, const double f[2])
{
    if (f[0] > -1)
        return 0;
    diag_error(attrs_get(a, key)->loc, "%s: %s: the lower bound must be above -1 (zoom 1 + "
                                       "lower), found %g", a->ctx, key, f[0]);
    return -1;
}

static int read_value_range(attrs *a, augment_op *op)
{
    char ctx[128];
    const ynode *nd = attrs_get(a, "value_range");
    op->value_range[0] = 0, op->value_range[1] = 255;
    if (!nd)
        return 0;
    snprintf(ctx, sizeof ctx, "%s: value_range", a->ctx);
    if (nd->kind != NODE_SEQ || nd->n != 2) {
        diag_error(nd->loc, "%s: expected [low, high], e.g. [0, 255]", ctx);
        return -1;
    }
    if (node_real(nd->items[0], ctx, -1e30, 1e30, &op->value_range[0]) ||
        node_real(nd->items[1], ctx, -1e30, 1e30, &op->value_range[1]))
        return -1;
    if (op->value_range[0] >= op->value_range[1]) {
        diag_error(nd->loc, "%s: low %g must be below high %g", ctx, op->value_range[0],
                   op->value_range[1]);
        return -1;
    }
    return 0;
}

/* fill_mode, interpolation and fill_value of the affine ops. A fill_value
 * without fill_mode: constant would do nothing: most likely a mistake. */
static int read_fill(attrs *a, augment_op *op)
{
    if (attrs_enum(a, "fill_mode", fill_modes, AUG_FILL_REFLECT, &op->fill_mode) |
        attrs_enum(a, "interpolation", interps, AUG_INTERP_BILINEAR, &op->interpolation) |
        attrs_real(a, "fill_value", 0, -1e30, 1e30, &op->fill_value))
        return -1;
    const ynode *fv = attrs_get(a, "fill_value");
    if (fv && op->fill_mode != AUG_FILL_CONSTANT) {
        diag_error(fv->loc, "%s: fill_value is only used with fill_mode: constant (fill_mode "
                            "is %s)", a->ctx, fill_modes[op->fill_mode]);
        return -1;
    }
    return 0;
}

static int parse_flip(augment_op *op, attrs *a)
{
    static const char *const modes[] = {"horizontal", "vertical", "horizontal_and_vertical",
                                        NULL};
    int mode = 2; /* Keras's default */
    if (attrs_enum(a, "mode", modes, 2, &mode))
        return -1;
    op->flip_h = mode != 1;
    op->flip_v = mode != 0;
    return 0;
}

static int parse_affine(augment_op *op, attrs *a)
{
    int rc = 0;
    if (op->kind == AUG_ROTATION) {
        rc = need_factor(a, op, "factor", -1, 1, 1, op->lo_hi[0]);
    } else if (op->kind == AUG_ZOOM) {
        rc = need_factor(a, op, "height_factor", -1, 1, 1, op->lo_hi[0]);
        rc = rc ? rc : check_zoom(a, "height_factor", op->lo_hi[0]);
        op->has_width = attrs_get(a, "width_factor") != NULL;
        if (!rc && op->has_width) /* Keras: width_factor None keeps the aspect ratio */
            rc = read_factor(a, "width_factor", -1, 1, 1, op->lo_hi[1]) ||
                 check_zoom(a, "width_factor", op->lo_hi[1]);
    } else {
        rc = need_factor(a, op, "height_factor", -1, 1, 1, op->lo_hi[0]);
        rc = rc ? rc : need_factor(a, op, "width_factor", -1, 1, 1, op->lo_hi[1]);
        op->has_width = 1;
    }
    return read_fill(a, op) | rc;
}

static int parse_crop(augment_op *op, attrs *a)
{
    long h, w;
    if (!attrs_get(a, "height") || !attrs_get(a, "width")) {
        diag_error(op->loc, "%s: missing 'height' and 'width' (the crop, which is the input "
                            "shape's H and W)", a->ctx);
        return -1;
    }
    if (attrs_int(a, "height", 1, 1, 8192, &h) | attrs_int(a, "width", 1, 1, 8192, &w))
        return -1;
    op->crop_h = (int)h, op->crop_w = (int)w;
    return 0;
}

static int parse_params(augment_op *op, attrs *a)
{
    switch (op->kind) {
    case AUG_FLIP:
        return parse_flip(op, a);
    case AUG_ROTATION: case AUG_ZOOM: case AUG_TRANSLATION:
        return parse_affine(op, a);
    case AUG_CROP:
        return parse_crop(op, a);
    case AUG_CONTRAST: /* c ~ U(1 - lower, 1 + upper), both in [0, 1] */
        return need_factor(a, op, "factor", 0, 1, 0, op->lo_hi[0]) | read_value_range(a, op);
    case AUG_BRIGHTNESS:
        return need_factor(a, op, "factor", -1, 1, 1, op->lo_hi[0]) | read_value_range(a, op);
    }
    unreachable();
}

static const char *const *keys_of(int kind)
{
    static const char *const flip[] = {"mode", NULL};
    static const char *const rot[] = {"factor", "fill_mode", "interpolation", "fill_value", NULL};
    static const char *const two[] = {"height_factor", "width_factor", "fill_mode",
                                      "interpolation", "fill_value", NULL};
    static const char *const crop[] = {"height", "width", NULL};
    static const char *const color[] = {"factor", "value_range", NULL};
    static const char *const *const table[] = {flip, rot, two, two, crop, color, color};
    return table[kind];
}

/* Keras's positional parameters, in call order: `random_rotation: 0.1` is
 * factor 0.1, `random_translation: [0.1, 0.2]` height 0.1 and width 0.2. */
static const char *const *positional_of(int kind)
{
    static const char *const flip[] = {"mode", NULL};
    static const char *const factor[] = {"factor", NULL};
    static const char *const two[] = {"height_factor", "width_factor", NULL};
    static const char *const crop[] = {"height", "width", NULL};
    static const char *const color[] = {"factor", "value_range", NULL};
    static const char *const *const table[] = {flip, factor, two, two, crop, factor, color};
    return table[kind];
}

static int find_kind(const char *name, nnc_loc loc, int index)
{
    for (int i = 0; aug_names[i]; i++)
        if (!strcmp(name, aug_names[i]))
            return i;
    for (int i = 0; keras_only[i]; i++)
        if (!strcmp(name, keras_only[i])) {
            diag_error(loc, "augment #%d: '%s' is not supported by nnc; supported: random_flip, "
                            "random_rotation, random_zoom, random_translation, random_crop, "
                            "random_contrast, random_brightness", index, name);
            return -1;
        }
    const char *near = diag_closest(name, aug_names, AUG_KINDS);
    diag_error(loc, "augment #%d: unknown augmentation '%s'%s%s%s", index, name,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return -1;
}

/* Keras layers take seed=; nnc draws everything from data.seed. */
static int reject_seed(attrs *a)
{
    const ynode *nd = attrs_get(a, "seed");
    if (!nd)
        return 0;
    diag_error(nd->loc, "%s: no per-layer seed in nnc: augmentation draws come from data.seed "
                        "(or fit --seed)", a->ctx);
    return -1;
}

static int parse_item(const ynode *item, augment_op *op)
{
    const char *kind = item->kind == NODE_SCALAR ? item->text : NULL;
    const ynode *args = NULL;
    op->loc = item->loc;
    if (item->kind == NODE_MAP && item->n == 1) {
        kind = item->keys[0], op->loc = item->key_locs[0], args = item->items[0];
    } else if (!kind) {
        diag_error(item->loc, "augment #%d: expected one augmentation, e.g. "
                              "'- random_flip: horizontal'", op->index);
        return -1;
    }
    if ((op->kind = find_kind(kind, op->loc, op->index)) < 0)
        return -1;
    snprintf(op->ctx, sizeof op->ctx, "augment: %s #%d", kind, op->index);
    ynode *pos = NULL;
    if (args && args->kind != NODE_MAP && args->kind != NODE_NULL &&
        !(pos = positional_args(positional_of(op->kind), args, op->ctx)))
        return -1;
    attrs a;
    attrs_init(&a, pos ? pos : args, op->ctx);
    int rc = reject_seed(&a) | parse_params(op, &a);
    rc = attrs_finish(&a, keys_of(op->kind)) | rc;
    positional_free(pos);
    return rc;
}
int augment_parse(model *m, const ynode *nd)
{
    if (nd->kind != NODE_SEQ) {
        diag_error(nd->loc, "augment: expected a list, e.g. [random_flip: horizontal, "
                            "random_rotation: {factor: 0.1}]");
        return -1;
    }
    if (nd->n > 32) {
        diag_error(nd->loc, "augment: at most 32 augmentations are supported, found %d", nd->n);
        return -1;
    }
    m->augment = xcalloc((size_t)nd->n + 1, sizeof *m->augment);
    int rc = 0;
    for (int i = 0; i < nd->n; i++) {
        augment_op *op = &m->augment[i];
        op->index = i + 1;
        rc |= parse_item(nd->items[i], op);
        m->num_augment = i + 1;
    }
    return rc;
}

int augment_crops(const model *m)
{
    for (int i = 0; i < m->num_augment; i++)
        if (m->augment[i].kind == AUG_CROP)
            return 1;
    return 0;
}

/* random_crop cuts the model's input out of a larger loaded image, as Keras's
 * RandomCrop after image_dataset_from_directory(image_size=...) does: the crop
 * must be the input shape and data.image_size the size it is cut from. */
static int check_crop(model *m, const augment_op *op, int h, int w)
{
    if (op->crop_h != m->input.h || op->crop_w != m->input.w) {
        diag_error(op->loc, "%s: the crop %dx%d must equal the input shape %dx%d (the crop is "
                            "what the model sees)", op->ctx, op->crop_h, op->crop_w,
                   m->input.h, m->input.w);
        return -1;
    }
    if (!m->data_h) {
        diag_error(op->loc, "%s: needs data: image_size, the size the crop is cut from (e.g. "
                            "image_size: [%d, %d])", op->ctx, op->crop_h + op->crop_h / 7,
                   op->crop_w + op->crop_w / 7);
        return -1;
    }
    if (h < op->crop_h || w < op->crop_w) {
        diag_error(op->loc, "%s: the crop %dx%d does not fit the image %dx%d (data: image_size)",
                   op->ctx, op->crop_h, op->crop_w, h, w);
        return -1;
    }
    return 0;
}

int augment_check(model *m)
{
    int h = m->data_h ? m->data_h : m->input.h, w = m->data_w ? m->data_w : m->input.w;
    const augment_op *crop = NULL;
    for (int i = 0; i < m->num_augment; i++) {
        augment_op *op = &m->augment[i];
        op->in_h = h, op->in_w = w;
        if (op->kind != AUG_CROP)
            continue;
        if (crop) {
            diag_error(op->loc, "%s: only one random_crop is supported (the other is #%d)",
                       op->ctx, crop->index);
            return -1;
        }
        if (check_crop(m, op, h, w))
            return -1;
        crop = op;
        h = op->crop_h, w = op->crop_w;
    }
    m->data_h = m->data_h ? m->data_h : m->input.h;
    m->data_w = m->data_w ? m->data_w : m->input.w;
    return 0;
}

/* "horizontal", "factor [-0.1, 0.1] = [-36, 36] degrees, fill_mode reflect, bilinear", ... */
void augment_describe(strbuf *out, const augment_op *op)
{
    const double(*f)[2] = op->lo_hi;
    if (op->kind == AUG_FLIP)
        sb_puts(out, op->flip_h && op->flip_v ? "horizontal_and_vertical (one draw flips both "
                                                "axes, as Keras 3)"
                     : op->flip_h             ? "horizontal" : "vertical");
    else if (op->kind == AUG_ROTATION)
        sb_printf(out, "factor [%g, %g] = [%g, %g] degrees", f[0][0], f[0][1], 360 * f[0][0],
                  360 * f[0][1]);
    else if (op->kind == AUG_ZOOM || op->kind == AUG_TRANSLATION)
        sb_printf(out, "height_factor [%g, %g], width_factor %s[%g, %g]", f[0][0], f[0][1],
                  op->has_width ? "" : "= height_factor ", f[op->has_width][0],
                  f[op->has_width][1]);
    else if (op->kind == AUG_CROP)
        sb_printf(out, "%dx%d", op->crop_h, op->crop_w);
    else if (op->kind == AUG_CONTRAST)
        sb_printf(out, "factor [%g, %g] = contrast in [%g, %g]", f[0][0], f[0][1], 1 - f[0][0],
                  1 + f[0][1]);
    else
        sb_printf(out, "factor [%g, %g]", f[0][0], f[0][1]);
    if (op->kind == AUG_ROTATION || op->kind == AUG_ZOOM || op->kind == AUG_TRANSLATION)
        sb_printf(out, ", fill_mode %s, %s", fill_modes[op->fill_mode], interps[op->interpolation]);
    if (op->fill_mode == AUG_FILL_CONSTANT && op->fill_value != 0)
        sb_printf(out, ", fill_value %g", op->fill_value);
    if (op->kind == AUG_CONTRAST || op->kind == AUG_BRIGHTNESS)
        sb_printf(out, ", value_range [%g, %g]", op->value_range[0], op->value_range[1]);
}

/* The augment: list under nnc check's layer table. */
void augment_print(const model *m, FILE *out)
{
    if (m->num_augment)
        fputs("Augmentation in fit (per sample, in this order):\n", out);
    for (int i = 0; i < m->num_augment; i++) {
        const augment_op *op = &m->augment[i];
        strbuf sb = {0};
        augment_describe(&sb, op);
        fprintf(out, "  %s #%d (line %d, on %dx%dx%d): %s\n", aug_names[op->kind], op->index,
                op->loc.line, op->in_h, op->in_w, m->input.c, sb.data);
        sb_free(&sb);
    }
}
