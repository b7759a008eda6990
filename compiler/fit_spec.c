/* fit_spec.c — the spec's metrics: list and fit: callbacks: (Keras 3's
 * names and defaults), checked here so the runtime gets only valid
 * settings: a monitor names a history column, a checkpoint file name's
 * fields are known columns with a plain number format. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/nncrt.h"
#include "nnc.h"

typedef struct callback_spec {
    int kind;
    nnc_loc loc;
    char *monitor, *path;
    int mode_max;
    double min_delta, baseline, factor, min_lr;
    int has_baseline, patience, restore_best_weights, start_from_epoch, save_best_only, append,
        cooldown;
    int num_values;
    long *boundaries;
    double *values;
} callback_spec;

static int is_binary(const model *m)
{
    return m->loss == LOSS_BCE;
}

/* ---- metrics ---- */

static int metric_settings(model *m, const char *name, const ynode *set)
{
    attrs a;
    attrs_init(&a, set, name);
    int rc = 0;
    if (!strcmp(name, "sparse_top_k_categorical_accuracy") ||
        !strcmp(name, "top_k_categorical_accuracy")) {
        long k;
        static const char *const keys[] = {"k", NULL};
        rc = attrs_int(&a, "k", 5, 1, 1000000, &k) | attrs_finish(&a, keys);
        m->top_k = (int)k;
        m->metrics |= NNCRT_METRIC_TOP_K;
    } else if (!strcmp(name, "f1_score")) {
        static const char *const keys[] = {"average", NULL};
        static const char *const avg[] = {"null", "micro", "macro", "weighted", NULL};
        const ynode *nd = attrs_get(&a, "average");
        if (nd && (nd->kind == NODE_NULL || (nd->kind == NODE_SCALAR && (!strcmp(nd->text, "~") ||
                   !strcmp(nd->text, "None") || !strcmp(nd->text, "none")))))
            m->f1_average = NNCRT_F1_NONE;
        else
            rc = attrs_enum(&a, "average", avg, 0, &m->f1_average);
        rc |= attrs_finish(&a, keys);
        m->metrics |= NNCRT_METRIC_F1;
    } else {
        static const char *const keys[] = {NULL};
        rc = attrs_finish(&a, keys);
        m->metrics |= !strcmp(name, "precision") ? NNCRT_METRIC_PRECISION
                      : !strcmp(name, "recall")  ? NNCRT_METRIC_RECALL
                      : !strcmp(name, "auc")     ? NNCRT_METRIC_AUC : 0;
    }
    return rc;
}

int metrics_parse(model *m, const ynode *nd)
{
    static const char *const known[] = {"accuracy", "acc", "sparse_top_k_categorical_accuracy",
                                        "top_k_categorical_accuracy", "precision", "recall",
                                        "f1_score", "auc", NULL};
    if (nd->kind != NODE_SEQ) {
        diag_error(nd->loc, "metrics: expected a list, e.g. [accuracy]");
        return -1;
    }
    m->f1_average = NNCRT_F1_NONE;
    for (int i = 0; i < nd->n; i++) {
        const ynode *it = nd->items[i], *set = NULL;
        const char *name = it->kind == NODE_SCALAR ? it->text : NULL;
        if (it->kind == NODE_MAP && it->n == 1)
            name = it->keys[0], set = it->items[0]->kind == NODE_MAP ? it->items[0] : NULL;
        int k = -1;
        for (int j = 0; name && known[j]; j++)
            if (!strcmp(name, known[j]))
                k = j;
        if (k < 0) {
            const char *near = name ? diag_closest(name, known, 8) : NULL;
            diag_error(it->loc, "metrics: '%s' is not supported; use accuracy, "
                       "sparse_top_k_categorical_accuracy, precision, recall, f1_score or auc%s%s%s",
                       name ? name : node_kind_name(it->kind), near ? " (did you mean '" : "",
                       near ? near : "", near ? "'?)" : "");
            return -1;
        }
        if (k <= 1)
            continue;   /* accuracy: always reported */
        if (it->kind == NODE_MAP && it->items[0]->kind != NODE_MAP && it->items[0]->kind != NODE_NULL) {
            diag_error(it->items[0]->loc, "metrics: %s: expected a mapping of settings", name);
            return -1;
        }
        if ((k == 2 || k == 3) && is_binary(m)) {
            diag_error(it->loc, "metrics: %s needs more than one output; this model has one "
                       "sigmoid unit (binary_crossentropy)", name);
            return -1;
        }
        if (k == 7 && !is_binary(m)) {
            diag_error(it->loc, "metrics: auc is for binary models (binary_crossentropy with one "
                       "sigmoid unit); nnc does not average it over classes");
            return -1;
        }
        if (metric_settings(m, name, set) != 0)
            return -1;
    }
    return 0;
}

/* ---- callbacks ---- */

enum { CB_KINDS = 6 };
static const char *const cb_names[] = {"early_stopping", "model_checkpoint",
                                       "reduce_lr_on_plateau", "csv_logger", "terminate_on_nan",
                                       "learning_rate_scheduler", NULL};

/* Whether name is a history column that a callback may monitor. */
static int is_column(const model *m, const char *name)
{
    if (!strncmp(name, "val_", 4))
        name += 4;
    if (!strcmp(name, "loss") || !strcmp(name, "accuracy"))
        return 1;
    if ((m->metrics & NNCRT_METRIC_TOP_K) && !strcmp(name, "sparse_top_k_categorical_accuracy"))
        return 1;
    if ((m->metrics & NNCRT_METRIC_PRECISION) && !strcmp(name, "precision"))
        return 1;
    if ((m->metrics & NNCRT_METRIC_RECALL) && !strcmp(name, "recall"))
        return 1;
    if ((m->metrics & NNCRT_METRIC_AUC) && !strcmp(name, "auc"))
        return 1;
    if (m->metrics & NNCRT_METRIC_F1) {
        if (m->f1_average != NNCRT_F1_NONE || is_binary(m))
            return !strcmp(name, "f1_score");
        int c;
        char tail;
        return sscanf(name, "f1_score_%d%c", &c, &tail) == 1 && c >= 0 && c < 100000;
    }
    return 0;
}

static int monitor_mode(model *m, callback_spec *cb, attrs *a, const char *ctx)
{
    const char *mon;
    int mode;
    static const char *const modes[] = {"auto", "min", "max", NULL};
    int rc = attrs_string(a, "monitor", "val_loss", &mon) | attrs_enum(a, "mode", modes, 0, &mode);
    if (rc)
        return -1;
    if (!is_column(m, mon)) {
        const ynode *nd = attrs_get(a, "monitor");
        diag_error(nd ? nd->loc : cb->loc, "%s: monitor: '%s' is not a history column (loss, "
                   "accuracy, the metrics: entries and their val_ versions)", ctx, mon);
        return -1;
    }
    cb->monitor = xstrdup(mon);
    const char *base = strncmp(mon, "val_", 4) ? mon : mon + 4;
    if (mode == 0) /* Keras: ReduceLROnPlateau maximizes names with "acc"; the others all but loss */
        cb->mode_max = cb->kind == NNCRT_CB_REDUCE_LR_ON_PLATEAU ? strstr(mon, "acc") != NULL
                                                                 : strcmp(base, "loss") != 0;
    else
        cb->mode_max = mode == 2;
    return 0;
}

/* model_checkpoint filepath: "{epoch}", "{epoch:02d}", "{val_loss:.4f}" and
   "{{", "}}"; the file name is never code. */
static int check_pattern(const model *m, const char *p, nnc_loc loc)
{
    for (; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        if (*p == '}') {
            diag_error(loc, "fit: callbacks: model_checkpoint: filepath: a '}' without '{' (write '}}')");
            return -1;
        }
        if (*p != '{')
            continue;
        const char *close = strchr(p, '}');
        if (!close) {
            diag_error(loc, "fit: callbacks: model_checkpoint: filepath: '{' without '}'");
            return -1;
        }
        char field[128] = "";
        size_t n = (size_t)(close - p - 1);
        if (n >= sizeof field)
            n = sizeof field - 1;
        memcpy(field, p + 1, n);
        field[n] = '\0';
        char *colon = strchr(field, ':'), *spec = colon ? colon + 1 : NULL;
        if (colon)
            *colon = '\0';
        int epoch = !strcmp(field, "epoch");
        if (!epoch && !is_column(m, field)) {
            diag_error(loc, "fit: callbacks: model_checkpoint: filepath: {%s} is not epoch or a "
                       "history column", field);
            return -1;
        }
        size_t sl = spec ? strlen(spec) : 0;
        if (spec && (sl == 0 || sl > 8 || strspn(spec, "0123456789.") != sl - 1 ||
                     !strchr(epoch ? "d" : "feg", spec[sl - 1]))) {
            diag_error(loc, "fit: callbacks: model_checkpoint: filepath: {%s:%s}: the format "
                       "must be like %s", field, spec, epoch ? "02d" : ".4f, .3e or .5g");
            return -1;
        }
        p = close;
    }
    return 0;
}

static int parse_schedule(callback_spec *cb, attrs *a, const char *ctx)
{
    const ynode *b = attrs_get(a, "boundaries"), *v = attrs_get(a, "values");
    if (!b || !v || b->kind != NODE_SEQ || v->kind != NODE_SEQ || v->n != b->n + 1 || v->n < 1) {
        diag_error(cb->loc, "%s: expected boundaries: [epochs, increasing] and values: [learning "
                   "rates, one more than boundaries]", ctx);
        return -1;
    }
    cb->num_values = v->n;
    cb->boundaries = xcalloc((size_t)b->n + 1, sizeof *cb->boundaries);
    cb->values = xcalloc((size_t)v->n, sizeof *cb->values);
    for (int i = 0; i < b->n; i++)
        if (node_int(b->items[i], ctx, i ? cb->boundaries[i - 1] + 1 : 1, 1000000, &cb->boundaries[i]))
            return -1;
    for (int i = 0; i < v->n; i++)
        if (node_real(v->items[i], ctx, 1e-12, 1000, &cb->values[i]))
            return -1;
    return 0;
}

static int parse_one(model *m, callback_spec *cb, const ynode *set, const char *ctx)
{
    attrs a;
    attrs_init(&a, set, ctx);
    long patience, start, cooldown;
    int rc = 0;
    const char *path;
    switch (cb->kind) {
    case NNCRT_CB_EARLY_STOPPING: {
        static const char *const keys[] = {"monitor", "min_delta", "patience", "mode", "baseline",
                                           "restore_best_weights", "start_from_epoch", NULL};
        rc = monitor_mode(m, cb, &a, ctx) | attrs_real(&a, "min_delta", 0, -1e30, 1e30, &cb->min_delta) |
             attrs_int(&a, "patience", 0, 0, 1000000, &patience) |
             attrs_bool(&a, "restore_best_weights", 0, &cb->restore_best_weights) |
             attrs_int(&a, "start_from_epoch", 0, 0, 1000000, &start);
        if ((cb->has_baseline = attrs_get(&a, "baseline") != NULL))
            rc |= attrs_real(&a, "baseline", 0, -1e30, 1e30, &cb->baseline);
        cb->patience = (int)patience, cb->start_from_epoch = (int)start;
        return rc | attrs_finish(&a, keys);
    }
    case NNCRT_CB_MODEL_CHECKPOINT: {
        static const char *const keys[] = {"filepath", "monitor", "mode", "save_best_only",
                                           "save_weights_only", NULL};
        int wo;
        rc = attrs_string(&a, "filepath", NULL, &path) | monitor_mode(m, cb, &a, ctx) |
             attrs_bool(&a, "save_best_only", 0, &cb->save_best_only) |
             attrs_bool(&a, "save_weights_only", 1, &wo);
        if (!rc && !path) {
            diag_error(cb->loc, "%s: filepath is required, e.g. best-{epoch:02d}.safetensors", ctx);
            return -1;
        }
        if (!rc && !wo) {
            diag_error(attrs_get(&a, "save_weights_only")->loc, "%s: save_weights_only: nnc saves "
                       "weights only (a .safetensors file); the model is the spec", ctx);
            return -1;
        }
        if (!rc)
            rc = check_pattern(m, path, attrs_get(&a, "filepath")->loc);
        cb->path = rc ? NULL : xstrdup(path);
        return rc | attrs_finish(&a, keys);
    }
    case NNCRT_CB_REDUCE_LR_ON_PLATEAU: {
        static const char *const keys[] = {"monitor", "factor", "patience", "mode", "min_delta",
                                           "cooldown", "min_lr", NULL};
        rc = monitor_mode(m, cb, &a, ctx) | attrs_real(&a, "factor", 0.1, 0, 0.999999, &cb->factor) |
             attrs_int(&a, "patience", 10, 0, 1000000, &patience) |
             attrs_real(&a, "min_delta", 1e-4, 0, 1e30, &cb->min_delta) |
             attrs_int(&a, "cooldown", 0, 0, 1000000, &cooldown) |
             attrs_real(&a, "min_lr", 0, 0, 1000, &cb->min_lr);
        if (!rc && cb->factor <= 0) {
            diag_error(attrs_get(&a, "factor")->loc, "%s: factor must be above 0 and below 1", ctx);
            rc = -1;
        }
        cb->patience = (int)patience, cb->cooldown = (int)cooldown;
        return rc | attrs_finish(&a, keys);
    }
    case NNCRT_CB_CSV_LOGGER: {
        static const char *const keys[] = {"filename", "append", NULL};
        rc = attrs_string(&a, "filename", NULL, &path) | attrs_bool(&a, "append", 0, &cb->append);
        if (!rc && !path) {
            diag_error(cb->loc, "%s: filename is required, e.g. log.csv", ctx);
            return -1;
        }
        cb->path = rc ? NULL : xstrdup(path);
        return rc | attrs_finish(&a, keys);
    }
    case NNCRT_CB_LR_SCHEDULER: {
        static const char *const keys[] = {"boundaries", "values", NULL};
        return parse_schedule(cb, &a, ctx) | attrs_finish(&a, keys);
    }
    default: {
        static const char *const keys[] = {NULL};
        return attrs_finish(&a, keys);
    }
    }
}

void callbacks_free(model *m)
{
    for (int i = 0; i < m->num_callbacks; i++) {
        callback_spec *c = &m->callbacks[i];
        free(c->monitor), free(c->path), free(c->boundaries), free(c->values);
    }
    free(m->callbacks);
    m->callbacks = NULL, m->num_callbacks = 0;
}

int callbacks_parse(model *m, const ynode *nd)
{
    if (!nd)
        return 0;
    if (nd->kind != NODE_SEQ) {
        diag_error(nd->loc, "fit: callbacks: expected a list, e.g. [{early_stopping: {patience: 3}}]");
        return -1;
    }
    m->callbacks = xcalloc((size_t)nd->n + 1, sizeof *m->callbacks);
    for (int i = 0; i < nd->n; i++) {
        const ynode *it = nd->items[i], *set = NULL;
        const char *name = it->kind == NODE_SCALAR ? it->text : NULL;
        if (it->kind == NODE_MAP && it->n == 1)
            name = it->keys[0], set = it->items[0];
        int k = -1;
        for (int j = 0; name && cb_names[j]; j++)
            if (!strcmp(name, cb_names[j]))
                k = j;
        if (k < 0) {
            const char *near = name ? diag_closest(name, cb_names, CB_KINDS) : NULL;
            diag_error(it->loc, "fit: callbacks: '%s' is not supported; use early_stopping, "
                       "model_checkpoint, reduce_lr_on_plateau, csv_logger, terminate_on_nan or "
                       "learning_rate_scheduler%s%s%s", name ? name : node_kind_name(it->kind),
                       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            return -1;
        }
        if (set && set->kind != NODE_MAP && set->kind != NODE_NULL) {
            diag_error(set->loc, "fit: callbacks: %s: expected a mapping of settings", name);
            return -1;
        }
        callback_spec *cb = &m->callbacks[m->num_callbacks++];
        cb->kind = k, cb->loc = it->loc;
        char ctx[80];
        snprintf(ctx, sizeof ctx, "fit: callbacks: %s", name);
        if (parse_one(m, cb, set && set->kind == NODE_MAP ? set : NULL, ctx) != 0)
            return -1;
    }
    return 0;
}

int callbacks_check_lr(const model *m, const ynode *opt)
{
    if (!opt || opt->kind != NODE_MAP || opt->n != 1 || opt->items[0]->kind != NODE_MAP)
        return 0;
    const ynode *set = opt->items[0], *lr = NULL;
    for (int i = 0; i < set->n; i++)
        if (!strcmp(set->keys[i], "learning_rate"))
            lr = set->items[i];
    if (!lr || lr->kind != NODE_MAP)
        return 0;
    for (int i = 0; i < m->num_callbacks; i++) {
        int k = m->callbacks[i].kind;
        if (k == NNCRT_CB_REDUCE_LR_ON_PLATEAU || k == NNCRT_CB_LR_SCHEDULER) {
            diag_error(m->callbacks[i].loc, "fit: callbacks: %s sets the learning rate, but the "
                       "optimizer's learning_rate is a schedule; use one or the other (Keras "
                       "refuses this too)", cb_names[k]);
            return -1;
        }
    }
    return 0;
}

/* ---- emission ---- */

static const char *const cb_enum[] = {"NNCRT_CB_EARLY_STOPPING", "NNCRT_CB_MODEL_CHECKPOINT",
                                      "NNCRT_CB_REDUCE_LR_ON_PLATEAU", "NNCRT_CB_CSV_LOGGER",
                                      "NNCRT_CB_TERMINATE_ON_NAN", "NNCRT_CB_LR_SCHEDULER"};

void fit_spec_emit_tables(emit_ctx *e)
{
    const model *m = e->m;
    if (!m->num_callbacks)
        return;
    for (int i = 0; i < m->num_callbacks; i++) {
        const callback_spec *c = &m->callbacks[i];
        if (c->kind != NNCRT_CB_LR_SCHEDULER)
            continue;
        sb_printf(e->out, "\n/* fit: callbacks: learning_rate_scheduler (line %d) */\n"
                          "static const int nnc_cb%d_boundaries[%d] = {", c->loc.line, i,
                  c->num_values);
        for (int j = 0; j + 1 < c->num_values; j++)
            sb_printf(e->out, "%s%ld", j ? ", " : "", c->boundaries[j]);
        sb_printf(e->out, "%s};\nstatic const double nnc_cb%d_values[%d] = {",
                  c->num_values > 1 ? "" : "0", i, c->num_values);
        for (int j = 0; j < c->num_values; j++)
            sb_printf(e->out, "%s%.17g", j ? ", " : "", c->values[j]);
        sb_puts(e->out, "};\n");
    }
    sb_printf(e->out, "\n/* fit: callbacks, in the spec's order */\n"
                      "static const nncrt_callback nnc_callbacks[%d] = {\n", m->num_callbacks);
    for (int i = 0; i < m->num_callbacks; i++) {
        const callback_spec *c = &m->callbacks[i];
        sb_printf(e->out, "    { /* line %d */ .kind = %s, .monitor = ", c->loc.line, cb_enum[c->kind]);
        if (c->monitor)
            c_string_lit(e->out, c->monitor);
        else
            sb_puts(e->out, "NULL");
        sb_puts(e->out, ", .path = ");
        if (c->path)
            c_string_lit(e->out, c->path);
        else
            sb_puts(e->out, "NULL");
        sb_printf(e->out, ",\n      .mode_max = %d, .min_delta = %.17g, .patience = %d, "
                          ".has_baseline = %d, .baseline = %.17g,\n"
                          "      .restore_best_weights = %d, .start_from_epoch = %d, "
                          ".save_best_only = %d, .append = %d,\n"
                          "      .factor = %.17g, .min_lr = %.17g, .cooldown = %d, .num_values = %d",
                  c->mode_max, c->min_delta, c->patience, c->has_baseline, c->baseline,
                  c->restore_best_weights, c->start_from_epoch, c->save_best_only, c->append,
                  c->factor, c->min_lr, c->cooldown, c->num_values);
        if (c->kind == NNCRT_CB_LR_SCHEDULER)
            sb_printf(e->out, ",\n      .boundaries = nnc_cb%d_boundaries, .values = nnc_cb%d_values",
                      i, i);
        sb_puts(e->out, " },\n");
    }
    sb_puts(e->out, "};\n");
}

void fit_spec_emit_fields(emit_ctx *e)
{
    const model *m = e->m;
    if (m->metrics)
        sb_printf(e->out, "    .metrics = %uu, .top_k = %d, .f1_average = %d,\n", m->metrics,
                  m->top_k, m->f1_average);
    if (m->num_callbacks)
        sb_printf(e->out, "    .callbacks = nnc_callbacks, .num_callbacks = %d,\n",
                  m->num_callbacks);
}
