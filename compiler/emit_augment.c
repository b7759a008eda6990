/* emit_augment.c — the trainer's augmentation code from model.augment: one
 * kernel per op instantiated from templates/augment_*.c with literal sizes,
 * nnc_aug_draw (the counter-based draws of one sample), nnc_aug_apply (the ops
 * in spec order, with given draws, so a test can force them) and nnc_augment,
 * which libnncrt calls on each training batch. */
#include "nnc.h"

#include <string.h>

static void name_subst(subst *s, const char *from, const augment_op *op, const char *what)
{
    s->from = from;
    snprintf(s->to, sizeof s->to, "nnc_aug%02d_%s", op->index, what);
}

static void real_subst(subst *s, const char *from, double v)
{
    s->from = from;
    snprintf(s->to, sizeof s->to, "%.17g", v);
}

/* "spec.yaml:12: augment: random_zoom #3" */
static void op_comment(emit_ctx *e, const augment_op *op, const char *indent)
{
    sb_printf(e->out, "%s/* ", indent);
    c_comment_text(e->out, e->m->spec_path);
    sb_printf(e->out, ":%d: %s", op->loc.line, op->ctx);
}

static void emit_kernel(emit_ctx *e, const augment_op *op)
{
    subst s[12];
    int n = 0;
    int oh = op->kind == AUG_CROP ? op->crop_h : op->in_h;
    int ow = op->kind == AUG_CROP ? op->crop_w : op->in_w;
    op_comment(e, op, "\n");
    sb_puts(e->out, ", ");
    augment_describe(e->out, op);
    sb_printf(e->out, "; (%d, %d, %d) -> (%d, %d, %d) */\n", op->in_h, op->in_w, e->m->input.c,
              oh, ow, e->m->input.c);
    emit_lit_int(&s[n++], "H", op->in_h), emit_lit_int(&s[n++], "W", op->in_w);
    emit_lit_int(&s[n++], "C", e->m->input.c);
    const char *tmpl = "augment_color";
    if (op->kind == AUG_FLIP) {
        tmpl = "augment_flip";
        name_subst(&s[n++], "aug_flip", op, "flip");
    } else if (op->kind == AUG_CROP) {
        tmpl = "augment_crop";
        emit_lit_int(&s[n++], "OH", oh), emit_lit_int(&s[n++], "OW", ow);
        name_subst(&s[n++], "aug_crop", op, "crop");
        name_subst(&s[n++], "aug_crop_infer", op, "crop_infer");
        name_subst(&s[n++], "aug_crop_axis", op, "crop_axis");
    } else if (op->kind == AUG_CONTRAST || op->kind == AUG_BRIGHTNESS) {
        real_subst(&s[n++], "VLO", op->value_range[0]);
        real_subst(&s[n++], "VHI", op->value_range[1]);
        name_subst(&s[n++], "aug_contrast", op, "contrast");
        name_subst(&s[n++], "aug_brightness", op, "brightness");
        name_subst(&s[n++], "aug_color_clip", op, "clip");
    } else {
        tmpl = "augment_affine";
        emit_lit_int(&s[n++], "FILL_MODE", op->fill_mode);
        emit_lit_int(&s[n++], "INTERP", op->interpolation);
        real_subst(&s[n++], "FILL_VALUE", op->fill_value);
        name_subst(&s[n++], "aug_affine", op, "affine");
        name_subst(&s[n++], "aug_affine_index", op, "affine_index");
        name_subst(&s[n++], "aug_affine_tap", op, "affine_tap");
        name_subst(&s[n++], "aug_affine_snap", op, "affine_snap");
    }
    template_emit(e->out, tmpl, s, n);
}

/* p[2k], p[2k+1]: the parameters of op k drawn as Keras draws them. */
static void emit_draw(emit_ctx *e, const augment_op *op)
{
    int k = 2 * (op->index - 1), i = op->index;
    const double(*f)[2] = op->lo_hi;
    char u0[96], u1[96];
    snprintf(u0, sizeof u0, "nnc_aug_uniform(seed, epoch, id, %d, 0)", i);
    snprintf(u1, sizeof u1, "nnc_aug_uniform(seed, epoch, id, %d, 1)", i);
    op_comment(e, op, "    ");
    sb_puts(e->out, " */\n");
    switch (op->kind) {
    case AUG_FLIP: /* Keras: flip when uniform() <= 0.5 */
        sb_printf(e->out, "    p[%d] = %s <= 0.5;\n", k, u0);
        break;
    case AUG_ROTATION: /* degrees */
        sb_printf(e->out, "    p[%d] = nnc_aug_between(%s, %.17g, %.17g);\n", k, u0,
                  360 * f[0][0], 360 * f[0][1]);
        break;
    case AUG_ZOOM: /* zy, zx */
        sb_printf(e->out, "    p[%d] = nnc_aug_between(%s, %.17g, %.17g);\n", k, u0,
                  1 + f[0][0], 1 + f[0][1]);
        if (op->has_width)
            sb_printf(e->out, "    p[%d] = nnc_aug_between(%s, %.17g, %.17g);\n", k + 1, u1,
                      1 + f[1][0], 1 + f[1][1]);
        else
            sb_printf(e->out, "    p[%d] = p[%d];\n", k + 1, k);
        break;
    case AUG_TRANSLATION: /* dy, dx in pixels */
        sb_printf(e->out, "    p[%d] = nnc_aug_between(%s, %.17g, %.17g) * %d;\n", k, u0,
                  f[0][0], f[0][1], op->in_h);
        sb_printf(e->out, "    p[%d] = nnc_aug_between(%s, %.17g, %.17g) * %d;\n", k + 1, u1,
                  f[1][0], f[1][1], op->in_w);
        break;
    case AUG_CROP: /* top, left: Keras's int(uniform(0, range + 1)) */
        sb_printf(e->out, "    p[%d] = fmin(floor(%s * %d), %d);\n", k, u0,
                  op->in_h - op->crop_h + 1, op->in_h - op->crop_h);
        sb_printf(e->out, "    p[%d] = fmin(floor(%s * %d), %d);\n", k + 1, u1,
                  op->in_w - op->crop_w + 1, op->in_w - op->crop_w);
        break;
    case AUG_CONTRAST: /* factor in [1 - lower, 1 + upper] */
        sb_printf(e->out, "    p[%d] = nnc_aug_between(%s, %.17g, %.17g);\n", k, u0,
                  1 - f[0][0], 1 + f[0][1]);
        break;
    case AUG_BRIGHTNESS: /* delta, scaled to the value range */
        sb_printf(e->out, "    p[%d] = nnc_aug_between(%s, %.17g, %.17g) * %.17g;\n", k, u0,
                  f[0][0], f[0][1], op->value_range[1] - op->value_range[0]);
        break;
    }
}

static void emit_apply_op(emit_ctx *e, const augment_op *op)
{
    int k = 2 * (op->index - 1), i = op->index;
    static const char *const swap = "    s = img, img = tmp, tmp = s;\n";
    op_comment(e, op, "    ");
    sb_puts(e->out, " */\n");
    switch (op->kind) {
    case AUG_FLIP: {
        char on[32];
        snprintf(on, sizeof on, "p[%d] != 0", k);
        sb_printf(e->out, "    nnc_aug%02d_flip(img, %s, %s);\n", i, op->flip_h ? on : "0",
                  op->flip_v ? on : "0");
        break;
    }
    case AUG_ROTATION:
        sb_printf(e->out, "    nnc_aug_rotation_matrix(t, p[%d], %d, %d);\n", k, op->in_h,
                  op->in_w);
        break;
    case AUG_ZOOM:
        sb_printf(e->out, "    nnc_aug_zoom_matrix(t, p[%d], p[%d], %d, %d);\n", k, k + 1,
                  op->in_h, op->in_w);
        break;
    case AUG_TRANSLATION:
        sb_printf(e->out, "    nnc_aug_translation_matrix(t, p[%d], p[%d]);\n", k, k + 1);
        break;
    case AUG_CROP:
        sb_printf(e->out, "    nnc_aug%02d_crop(tmp, img, (int)p[%d], (int)p[%d]);\n%s", i, k,
                  k + 1, swap);
        break;
    case AUG_CONTRAST:
        sb_printf(e->out, "    nnc_aug%02d_contrast(img, p[%d]);\n", i, k);
        break;
    case AUG_BRIGHTNESS:
        sb_printf(e->out, "    nnc_aug%02d_brightness(img, p[%d]);\n", i, k);
        break;
    }
    if (op->kind == AUG_ROTATION || op->kind == AUG_ZOOM || op->kind == AUG_TRANSLATION)
        sb_printf(e->out, "    nnc_aug%02d_affine(tmp, img, t);\n%s", i, swap);
}

static const augment_op *find_crop(const model *m)
{
    for (int i = 0; i < m->num_augment; i++)
        if (m->augment[i].kind == AUG_CROP)
            return &m->augment[i];
    return NULL;
}

static void emit_draw_apply(emit_ctx *e)
{
    const model *m = e->m;
    sb_printf(e->out, "\n#define NNC_AUG_PARAMS %d /* two per augmentation */\n\n"
                      "/* The parameters of every augmentation for sample id in epoch epoch. */\n"
                      "static void nnc_aug_draw(double p[NNC_AUG_PARAMS], uint64_t seed, "
                      "int64_t epoch, uint64_t id)\n{\n", 2 * m->num_augment);
    for (int i = 0; i < m->num_augment; i++)
        emit_draw(e, &m->augment[i]);
    sb_puts(e->out, "}\n\n/* One image through the augmentations in spec order with parameters p.\n"
                    " * img holds the image, tmp is scratch of the same size; returns the one\n"
                    " * holding the result. */\n"
                    "NNC_MAYBE_UNUSED static nnc_real *nnc_aug_apply(nnc_real *img, nnc_real *tmp, "
                    "const double p[NNC_AUG_PARAMS])\n{\n"
                    "    nnc_real *s;\n    double t[6];\n    (void)s, (void)t;\n");
    size_t ops = e->out->len;
    for (int i = 0; i < m->num_augment; i++)
        emit_apply_op(e, &m->augment[i]);
    /* flips and contrast work in place: keep -Wunused-parameter quiet then */
    if (!strstr(e->out->data + ops, "tmp"))
        sb_puts(e->out, "    (void)tmp;\n");
    sb_puts(e->out, "    return img;\n}\n");
}

/* Inference: only random_crop acts (Keras's centred window and resize). */
static void emit_infer(emit_ctx *e, const augment_op *crop)
{
    sb_puts(e->out, "\n/* evaluate, predict, validation: augmentations are the identity, except\n"
                    " * random_crop, which takes its inference window (Keras). */\n"
                    "NNC_MAYBE_UNUSED static nnc_real *nnc_aug_infer(nnc_real *img, "
                    "nnc_real *tmp)\n{\n");
    if (crop)
        sb_printf(e->out, "    nnc_aug%02d_crop_infer(tmp, img);\n    return tmp;\n}\n",
                  crop->index);
    else
        sb_puts(e->out, "    (void)tmp;\n    return img;\n}\n");
}

static void emit_driver(emit_ctx *e)
{
    const model *m = e->m;
    subst s[5];
    sb_printf(e->out, "\n#define NNC_AUG_IN_SIZE %d /* the loaded image, (%d, %d, %d) */\n",
              m->data_h * m->data_w * m->input.c, m->data_h, m->data_w, m->input.c);
    s[0].from = "BATCH", snprintf(s[0].to, sizeof s[0].to, "NNC_BATCH");
    s[1].from = "IN_SIZE", snprintf(s[1].to, sizeof s[1].to, "NNC_AUG_IN_SIZE");
    s[2].from = "OUT_SIZE", snprintf(s[2].to, sizeof s[2].to, "NNC_IN_SIZE");
    s[3].from = "NPARAMS", snprintf(s[3].to, sizeof s[3].to, "NNC_AUG_PARAMS");
    emit_lit_int(&s[4], "CROPS", find_crop(m) != NULL);
    template_emit(e->out, "augment_batch", s, 5);
}

void augment_emit(emit_ctx *e)
{
    const model *m = e->m;
    if (!m->num_augment)
        return;
    sb_puts(e->out, "\n/* ---- augmentation (spec augment:): per sample, fit only ---- */\n");
    template_emit(e->out, "augment_rng", NULL, 0);
    template_emit(e->out, "augment_matrix", NULL, 0);
    for (int i = 0; i < m->num_augment; i++)
        emit_kernel(e, &m->augment[i]);
    emit_draw_apply(e);
    emit_infer(e, find_crop(m));
    emit_driver(e);
}

/* The nncrt_model fields: the function and the size images are loaded at. */
void augment_emit_fields(emit_ctx *e)
{
    const model *m = e->m;
    sb_printf(e->out, "    /* augmentation */\n    .augment = %s, .data_h = %d, .data_w = %d,\n",
              m->num_augment ? "nnc_augment" : "NULL", m->data_h, m->data_w);
}
