/* spec.c — the node tree of a spec file → a model. Every key is checked here or
 * by the op that owns it; nothing a user may have misspelled is defaulted. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {"name", "input", "data", "augment", "layers", "loss",
                                       "optimizer", "metrics", "fit", NULL};
static const char *const input_keys[] = {"shape", NULL};
static const char *const data_keys[] = {"train", "validation", "validation_split", "seed",
                                        "class_names", "color_mode", "image_size",
                                        "label_mode", "interpolation", "crop_to_aspect_ratio",
                                        "pad_to_aspect_ratio", "follow_links", NULL};
#define SPEC_MAX_BYTES (1024 * 1024) /* larger files are refused before reading */

static const char *const fit_keys[] = {"epochs", "batch_size", "shuffle", "class_weight",
                                       "validation_freq", "steps_per_epoch", "verbose", "callbacks",
                                       "initial_epoch", NULL};

static int name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || (!first && (c == '-' || c == '.'));
}

/* Default model name: the spec file's stem, made to follow the rules of an
 * explicit name (it names the trainer nnc build writes and hands to the C
 * compiler, so it must not read as an option or as "." or ".."). */
static char *stem_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *s = xstrdup(*base ? base : "model");
    char *dot = strrchr(s, '.');
    if (dot && dot != s)
        *dot = '\0';
    if (strlen(s) > 64)
        s[64] = '\0';
    for (char *p = s; *p; p++)
        if (!name_char(*p, p == s) || *p == '.')
            *p = '_';
    return s;
}

static int valid_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!name_char(*p, p == s))
            return 0;
    return 1;
}

static int parse_input(model *m, const ynode *nd)
{
    attrs a;
    attrs_init(&a, nd, "input");
    if (nd->kind != NODE_MAP) {
        diag_error(nd->loc, "input: expected a mapping like {shape: [28, 28, 1]}");
        return -1;
    }
    m->input_loc = nd->loc;
    const ynode *sh = attrs_get(&a, "shape");
    if (!sh || sh->kind != NODE_SEQ || sh->n != 3) {
        diag_error(sh ? sh->loc : nd->loc,
                   "input: shape: expected [height, width, channels] (channels-last, like Keras)");
        return -1;
    }
    long v[3];
    for (int i = 0; i < 3; i++)
        if (node_int(sh->items[i], "input: shape", 1, i == 2 ? 4 : 8192, &v[i]))
            return -1;
    if (v[2] == 2) {
        diag_error(sh->items[2]->loc, "input: shape: images have 1 (grayscale), 3 (rgb) or 4 "
                                      "(rgba) channels, not 2");
        return -1;
    }
    m->input = (shape3){(int)v[0], (int)v[1], (int)v[2], 0};
    return attrs_finish(&a, input_keys);
}

static int parse_class_names(model *m, const ynode *nd)
{
    if (nd->kind != NODE_SEQ || nd->n < 1) {
        diag_error(nd->loc, "data: class_names: expected a list of class names");
        return -1;
    }
    m->class_names = xcalloc((size_t)nd->n, sizeof *m->class_names);
    for (int i = 0; i < nd->n; i++) {
        const ynode *it = nd->items[i];
        if (it->kind != NODE_SCALAR || !*it->text || strchr(it->text, '/') ||
            it->text[0] == '.') {
            diag_error(it->loc, "data: class_names: expected a folder name (no '/', not "
                                "starting with '.')");
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(m->class_names[j], it->text)) {
                diag_error(it->loc, "data: class_names: '%s' is listed twice", it->text);
                return -1;
            }
        m->class_names[m->num_class_names++] = xstrdup(it->text);
    }
    return 0;
}

/* color_mode and image_size only restate the input shape here; a mismatch is an
 * error rather than a silent preference of one over the other. */
static int check_data_shape(model *m, attrs *a)
{
    static const char *const modes[] = {"grayscale", "rgb", "rgba", NULL};
    static const int mode_ch[] = {1, 3, 4};
    int mode = -1;
    long size[2];
    if (attrs_enum(a, "color_mode", modes, -1, &mode) ||
        attrs_pair(a, "image_size", 0, 1, 8192, size))
        return -1;
    if (mode >= 0 && mode_ch[mode] != m->input.c) {
        diag_error(attrs_get(a, "color_mode")->loc,
                   "data: color_mode %s gives %d channels but input shape has %d", modes[mode],
                   mode_ch[mode], m->input.c);
        return -1;
    }
    m->data_h = (int)size[0], m->data_w = (int)size[1]; /* 0: not given */
    if (size[0] && (size[0] != m->input.h || size[1] != m->input.w) && !augment_crops(m)) {
        diag_error(attrs_get(a, "image_size")->loc,
                   "data: image_size [%ld, %ld] differs from input shape %dx%d; images are "
                   "resized to the input shape",
                   size[0], size[1], m->input.h, m->input.w);
        return -1;
    }
    return 0;
}

/* How images reach the input size. Keras's other methods (bicubic, lanczos3,
 * ...) get their own message: they are real choices, not typos. */
static int parse_resize(model *m, attrs *a)
{
    static const char *const interp[] = {"bilinear", "nearest", "area", NULL};
    static const char *const keras_only[] = {"bicubic", "lanczos3", "lanczos5", "gaussian",
                                             "mitchellcubic", NULL};
    const ynode *in = attrs_get(a, "interpolation");
    for (int i = 0; in && in->kind == NODE_SCALAR && keras_only[i]; i++)
        if (!strcmp(in->text, keras_only[i])) {
            diag_error(in->loc, "data: interpolation: '%s' is not supported by nnc; use "
                                "bilinear, nearest or area", in->text);
            return -1;
        }
    int rc = attrs_enum(a, "interpolation", interp, 0, &m->interpolation) |
             attrs_bool(a, "crop_to_aspect_ratio", 0, &m->crop_to_aspect_ratio) |
             attrs_bool(a, "pad_to_aspect_ratio", 0, &m->pad_to_aspect_ratio) |
             attrs_bool(a, "follow_links", 0, &m->follow_links);
    if (!rc && m->crop_to_aspect_ratio && m->pad_to_aspect_ratio) {
        diag_error(attrs_get(a, "pad_to_aspect_ratio")->loc,
                   "data: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be true "
                   "(crop cuts the longer side, pad fills the shorter one)");
        return -1;
    }
    return rc;
}

/* Keras passes these to image_dataset_from_directory; in nnc they belong to fit. */
static int misplaced_fit_keys(attrs *a)
{
    static const char *const keys[] = {"shuffle", "batch_size", NULL};
    int rc = 0;
    for (int i = 0; keys[i]; i++) {
        const ynode *nd = attrs_get(a, keys[i]);
        if (nd) {
            diag_error(nd->loc, "data: %s belongs to fit: (fit: {%s: ...})", keys[i], keys[i]);
            rc = -1;
        }
    }
    return rc;
}

static int parse_data(model *m, const ynode *nd)
{
    attrs a;
    if (nd->kind != NODE_MAP) {
        diag_error(nd->loc, "data: expected a mapping (train:, validation_split:, ...)");
        return -1;
    }
    attrs_init(&a, nd, "data");
    const char *train, *val;
    const ynode *cn;
    int rc = attrs_string(&a, "train", NULL, &train) | attrs_string(&a, "validation", NULL, &val);
    rc |= attrs_real(&a, "validation_split", 0, 0, 0.99, &m->validation_split);
    rc |= attrs_int(&a, "seed", 1337, 0, 0x7fffffffL, &m->seed);
    if ((cn = attrs_get(&a, "class_names")))
        rc |= parse_class_names(m, cn);
    rc |= check_data_shape(m, &a);
    rc |= parse_resize(m, &a) | misplaced_fit_keys(&a);
    m->data_train = train ? xstrdup(train) : NULL;
    m->data_validation = val ? xstrdup(val) : NULL;
    attrs_get(&a, "label_mode"); /* checked against the loss in spec_load */
    return attrs_finish(&a, data_keys) | rc;
}

static int parse_fit(model *m, const ynode *nd)
{
    attrs a;
    long epochs, batch;
    if (nd->kind != NODE_MAP) {
        diag_error(nd->loc, "fit: expected a mapping (epochs:, batch_size:, shuffle:)");
        return -1;
    }
    attrs_init(&a, nd, "fit");
    int rc = attrs_int(&a, "epochs", 1, 1, 1000000, &epochs) |
             attrs_int(&a, "batch_size", 32, 1, 65536, &batch) |
             attrs_bool(&a, "shuffle", 1, &m->shuffle);
    rc |= class_weight_parse(m, attrs_get(&a, "class_weight"));
    rc |= fit_options_parse(m, &a);
    rc |= callbacks_parse(m, attrs_get(&a, "callbacks"));
    m->epochs = (int)epochs;
    m->batch_size = (int)batch;
    return attrs_finish(&a, fit_keys) | rc;
}

/* Keras derives nothing here and fails inside fit; nnc checks the pairing now.
 * Losses are matched by name so that a loss added later (binary_crossentropy
 * for label_mode binary) needs one row in losses[], nothing else. */
static int check_label_mode(model *m, const ynode *data)
{
    attrs a;
    attrs_init(&a, data, "data");
    static const char *const modes[] = {"int", "categorical", "binary", NULL};
    static const char *const losses[] = {"sparse_categorical_crossentropy",
                                         "categorical_crossentropy", "binary_crossentropy"};
    int mode;
    if (!data || attrs_enum(&a, "label_mode", modes, -1, &mode) || mode < 0)
        return a.failed ? -1 : 0;
    const char *loss = loss_name(m->loss);
    int want = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(loss, losses[i]))
            want = i;
    if (mode == 2 && want != 2) {
        diag_error(attrs_get(&a, "label_mode")->loc,
                   "data: label_mode binary needs loss binary_crossentropy, not %s; with "
                   "%s use label_mode %s", loss, loss, want >= 0 ? modes[want] : "int");
        return -1;
    }
    if (want >= 0 && mode != want) {
        diag_error(attrs_get(&a, "label_mode")->loc,
                   "data: label_mode %s does not match loss %s, which needs label_mode %s",
                   modes[mode], loss_name(m->loss), modes[want]);
        return -1;
    }
    return 0;
}

static int parse_top(model *m, const ynode *root)
{
    attrs a;
    attrs_init(&a, root, "spec");
    const char *name;
    const ynode *nd, *data;
    int rc = attrs_string(&a, "name", NULL, &name);
    m->name = name ? xstrdup(name) : stem_name(m->spec_path);
    if (name && !valid_name(name)) {
        diag_error(attrs_get(&a, "name")->loc,
                   "name: '%s' must be 1-64 characters of letters, digits, '_', '-' or '.', "
                   "starting with a letter, digit or '_'", name);
        rc = -1;
    }
    if (!(nd = attrs_get(&a, "input")))
        diag_error(root->loc, "spec: missing 'input: {shape: [H, W, C]}'"), rc = -1;
    else
        rc |= parse_input(m, nd);
    int input_ok = !rc;
    if ((nd = attrs_get(&a, "augment")) && input_ok) /* before data: random_crop allows image_size */
        rc |= augment_parse(m, nd);
    if ((data = attrs_get(&a, "data")) && input_ok)
        rc |= parse_data(m, data);
    if (!(nd = attrs_get(&a, "layers")))
        diag_error(root->loc, "spec: missing 'layers:' (the list of layers)"), rc = -1;
    else
        rc |= layers_parse(m, nd);
    rc |= loss_parse(m, attrs_get(&a, "loss"));
    rc |= optimizer_parse(m, attrs_get(&a, "optimizer"));
    if ((nd = attrs_get(&a, "metrics")))
        rc |= metrics_parse(m, nd);
    m->epochs = 1, m->batch_size = 32, m->shuffle = 1;
    if ((nd = attrs_get(&a, "fit")))
        rc |= parse_fit(m, nd);
    if (!rc)
        rc |= callbacks_check_lr(m, attrs_get(&a, "optimizer"));
    if (!rc)
        rc |= check_label_mode(m, data);
    if (!rc)
        rc |= augment_check(m);
    rc |= attrs_finish(&a, top_keys);
    return rc;
}

model *spec_load_text(const char *path, const char *text, size_t len)
{
    diag_set_source(path, text, len);
    model *m = xcalloc(1, sizeof *m);
    m->spec_path = path;
    m->seed = 1337;
    m->spec_sha256 = xmalloc(65);
    sha256_hex(text, len, m->spec_sha256);
    ynode *root = parse_yaml(path, text, len);
    int rc = -1;
    if (root && root->kind != NODE_MAP)
        diag_error(root->loc, "expected a mapping at the top (name:, input:, layers:, ...)");
    else if (root)
        rc = parse_top(m, root);
    node_free(root);
    if (!rc)
        rc = shape_infer(m);
    if (rc) {
        model_free(m);
        m = NULL;
    }
    return m;
}

model *spec_load(const char *path)
{
    size_t len;
    const char *why;
    char *text = read_small_file(path, SPEC_MAX_BYTES, &len, &why);
    if (!text && !strcmp(why, "%m")) {
        diag_error((nnc_loc){path, 0, 0}, "cannot read the spec: %m");
        return NULL;
    }
    if (!text) {
        diag_error((nnc_loc){path, 0, 0}, "not a spec: %s (a spec is a YAML file of at most "
                                          "1 MiB)", why);
        return NULL;
    }
    model *m = spec_load_text(path, text, len);
    free(text);
    return m;
}

void model_free(model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->num_class_names; i++)
        free(m->class_names[i]);
    free(m->class_names);
    graph_free(m);
    optimizer_free(m);
    loss_free(m);
    free(m->augment);
    callbacks_free(m);
    free(m->name);
    free(m->data_train);
    free(m->data_validation);
    free(m->spec_sha256);
    free(m->arch_sha256);
    free(m);
}
