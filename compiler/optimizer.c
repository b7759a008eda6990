/* optimizer.c — the optimizer key (Keras 3 names, defaults and update rules)
 * and the emitted update step: gradient clipping, decoupled weight decay, then
 * the optimizer's rule, in Keras's order (BaseOptimizer.apply →
 * _backend_apply_gradients: _clip_gradients, _apply_weight_decay,
 * update_step). The learning rate stays a runtime argument so `fit --lr` can
 * override it; every other hyper-parameter is a literal. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

/* Indexed by OPT_*. */
static const char *const opt_names[] = {"sgd", "adam", "rmsprop", "adamw", "adagrad", "nadam",
                                        NULL};
static const char *const opt_list = "sgd, adam, adamw, rmsprop, adagrad, nadam";

/* Keys every Keras 3 optimizer takes that nnc supports. */
#define COMMON_KEYS "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", \
                    "exclude_from_weight_decay"
static const char *const sgd_keys[] = {"learning_rate", "momentum", "nesterov", COMMON_KEYS, NULL};
static const char *const adam_keys[] = {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad",
                                        COMMON_KEYS, NULL};
static const char *const rmsprop_keys[] = {"learning_rate", "rho", "momentum", "epsilon",
                                           "centered", COMMON_KEYS, NULL};
static const char *const adagrad_keys[] = {"learning_rate", "initial_accumulator_value",
                                           "epsilon", COMMON_KEYS, NULL};
static const char *const nadam_keys[] = {"learning_rate", "beta_1", "beta_2", "epsilon",
                                         COMMON_KEYS, NULL};
static const char *const *const opt_keys[] = {sgd_keys, adam_keys, rmsprop_keys,
                                              adam_keys, adagrad_keys, nadam_keys};
/* Keras options nnc refuses with a reason, not as unknown keys. */
static const char *const keras_only[] = {"use_ema", "ema_momentum", "ema_overwrite_frequency",
                                         "loss_scale_factor", "gradient_accumulation_steps",
                                         "name", NULL};
static const char *const clip_keys[] = {"clipnorm", "global_clipnorm", "clipvalue"}; /* CLIP_* - 1 */

/* Keras's variable names for the roles exclude_from_weight_decay may name on
 * a model that has no such tensor ([bias, gamma, beta] on a model without
 * batch normalization); any role of the model's own tensors is accepted too. */
static const char *const keras_roles[] = {"kernel", "bias", "gamma", "beta", "depthwise_kernel",
                                          "pointwise_kernel", "embeddings", NULL};

const char *optimizer_name(int opt) { return opt_names[opt]; }

static int parse_rule(model *m, attrs *a)
{
    int rc = 0;
    switch (m->optimizer) {
    case OPT_SGD:
        rc |= attrs_real(a, "momentum", 0.0, 0.0, 1.0, &m->momentum);
        rc |= attrs_bool(a, "nesterov", 0, &m->nesterov);
        return rc;
    case OPT_ADAM:
    case OPT_ADAMW:
    case OPT_NADAM:
        rc |= attrs_real(a, "beta_1", 0.9, 0.0, 0.999999, &m->beta1);
        rc |= attrs_real(a, "beta_2", 0.999, 0.0, 0.99999999, &m->beta2);
        rc |= attrs_real(a, "epsilon", 1e-7, 1e-30, 1.0, &m->epsilon);
        if (m->optimizer != OPT_NADAM)
            rc |= attrs_bool(a, "amsgrad", 0, &m->amsgrad);
        return rc;
    case OPT_RMSPROP:
        rc |= attrs_real(a, "rho", 0.9, 0.0, 0.999999, &m->rho);
        rc |= attrs_real(a, "momentum", 0.0, 0.0, 1.0, &m->momentum);
        rc |= attrs_real(a, "epsilon", 1e-7, 1e-30, 1.0, &m->epsilon);
        rc |= attrs_bool(a, "centered", 0, &m->centered);
        return rc;
    case OPT_ADAGRAD:
        rc |= attrs_real(a, "initial_accumulator_value", 0.1, 0.0, 1e6, &m->initial_accumulator);
        rc |= attrs_real(a, "epsilon", 1e-7, 1e-30, 1.0, &m->epsilon);
        return rc;
    }
    unreachable();
}

/* clipnorm, global_clipnorm, clipvalue: at most one, as Keras requires. */
static int parse_clip(model *m, attrs *a)
{
    const ynode *first = NULL;
    int rc = 0;
    for (int k = 0; k < 3; k++) {
        const ynode *nd = attrs_get(a, clip_keys[k]);
        if (!nd)
            continue;
        if (first) {
            diag_error(nd->loc, "%s: %s: only one of clipnorm, clipvalue and global_clipnorm "
                                "may be set (as Keras)", a->ctx, clip_keys[k]);
            return -1;
        }
        first = nd;
        m->clip = k + 1;
        rc |= attrs_real(a, clip_keys[k], 0, 1e-12, 1e12, &m->clip_value);
    }
    return rc;
}

static int parse_exclude(model *m, attrs *a)
{
    const ynode *nd = attrs_get(a, "exclude_from_weight_decay");
    if (!nd)
        return 0;
    if (nd->kind != NODE_SEQ) {
        diag_error(nd->loc, "%s: exclude_from_weight_decay: expected a list of tensor roles, "
                            "e.g. [bias, gamma, beta]", a->ctx);
        return -1;
    }
    if (m->weight_decay == 0) {
        diag_error(nd->loc, "%s: exclude_from_weight_decay has no effect without weight_decay",
                   a->ctx);
        return -1;
    }
    m->wd_exclude = xcalloc((size_t)nd->n + 1, sizeof *m->wd_exclude);
    m->wd_exclude_locs = xcalloc((size_t)nd->n + 1, sizeof *m->wd_exclude_locs);
    for (int i = 0; i < nd->n; i++) {
        const ynode *it = nd->items[i];
        if (it->kind != NODE_SCALAR) {
            diag_error(it->loc, "%s: exclude_from_weight_decay: expected a tensor role such as "
                                "bias, found %s", a->ctx, node_kind_name(it->kind));
            return -1;
        }
        m->wd_exclude_locs[m->num_wd_exclude] = it->loc;
        m->wd_exclude[m->num_wd_exclude++] = xstrdup(it->text);
    }
    return 0;
}

static int parse_common(model *m, attrs *a)
{
    for (int i = 0; a->map && i < a->map->n; i++)
        for (int k = 0; keras_only[k]; k++)
            if (!strcmp(a->map->keys[i], keras_only[k])) {
                diag_error(a->map->key_locs[i], "%s: %s is not supported by nnc", a->ctx,
                           keras_only[k]);
                return -1;
            }
    /* AdamW is Adam with this default (Keras: weight_decay=0.004). */
    double def = m->optimizer == OPT_ADAMW ? 0.004 : 0;
    int rc = attrs_real(a, "weight_decay", def, 0.0, 1.0, &m->weight_decay);
    rc |= parse_clip(m, a);
    if (!rc)
        rc |= parse_exclude(m, a);
    return rc;
}

static int parse_args(model *m, attrs *a)
{
    static const double lr_default[] = {[OPT_SGD] = 0.01, [OPT_ADAM] = 0.001,
                                        [OPT_RMSPROP] = 0.001, [OPT_ADAMW] = 0.001,
                                        [OPT_ADAGRAD] = 0.001, [OPT_NADAM] = 0.001};
    const ynode *lr = attrs_get(a, "learning_rate");
    int rc;
    if (lr && lr->kind == NODE_MAP) {
        rc = schedule_parse(m, lr, a->ctx);
        m->lr = m->lr_schedule ? m->lr_schedule->initial : 0;
    } else {
        rc = attrs_real(a, "learning_rate", lr_default[m->optimizer], 1e-12, 1e3, &m->lr);
    }
    rc |= parse_rule(m, a);
    rc |= parse_common(m, a);
    return attrs_finish(a, opt_keys[m->optimizer]) | rc;
}

static int lookup(const char *name, nnc_loc loc, int *out)
{
    for (int i = 0; opt_names[i]; i++)
        if (!strcmp(name, opt_names[i])) {
            *out = i;
            return 0;
        }
    const char *near = diag_closest(name, opt_names, OPT_NADAM + 1);
    diag_error(loc, "optimizer: unknown optimizer '%s'%s%s%s; supported: %s", name,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", opt_list);
    return -1;
}

/* Keras compile() defaults to rmsprop when no optimizer is named. */
int optimizer_parse(model *m, const ynode *nd)
{
    attrs a;
    m->optimizer = OPT_RMSPROP;
    m->opt_loc = nd ? nd->loc : (nnc_loc){m->spec_path, 0, 0};
    if (nd && nd->kind == NODE_SCALAR) {
        if (lookup(nd->text, nd->loc, &m->optimizer))
            return -1;
        nd = NULL;
    } else if (nd && (nd->kind != NODE_MAP || nd->n != 1)) {
        diag_error(nd->loc, "optimizer: expected a name or {adam: {learning_rate: 0.001}}");
        return -1;
    } else if (nd) {
        m->opt_loc = nd->key_locs[0];
        if (lookup(nd->keys[0], nd->key_locs[0], &m->optimizer))
            return -1;
        if (nd->items[0]->kind != NODE_MAP && nd->items[0]->kind != NODE_NULL) {
            diag_error(nd->items[0]->loc, "optimizer: %s: expected a mapping of settings",
                       nd->keys[0]);
            return -1;
        }
        nd = nd->items[0];
    }
    attrs_init(&a, nd, xasprintf("optimizer: %s", opt_names[m->optimizer]));
    int rc = parse_args(m, &a);
    free((void *)a.ctx);
    return rc;
}

static int model_has_role(const model *m, const char *role)
{
    for (int i = 0; i < m->num_nodes; i++)
        for (int k = 0; k < m->nodes[i].num_t; k++)
            if (m->nodes[i].t[k].kind == TENSOR_TRAINABLE && !strcmp(m->nodes[i].t[k].role, role))
                return 1;
    return 0;
}

/* After shape inference: every excluded role is one Keras knows or one of
 * this model's trainable tensors has. */
int optimizer_check(model *m)
{
    for (int i = 0; i < m->num_wd_exclude; i++) {
        const char *r = m->wd_exclude[i];
        int known = model_has_role(m, r);
        for (int k = 0; keras_roles[k] && !known; k++)
            known = !strcmp(r, keras_roles[k]);
        if (known)
            continue;
        const char *near =
            diag_closest(r, keras_roles, (int)(sizeof keras_roles / sizeof *keras_roles) - 1);
        diag_error(m->wd_exclude_locs[i], "optimizer: %s: exclude_from_weight_decay: '%s' is "
                                          "not a tensor role (such as kernel, bias, gamma, "
                                          "beta)%s%s%s", opt_names[m->optimizer], r,
                   near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        return -1;
    }
    return 0;
}

/* The slots, in nnc_opt order, by Keras's names for them. SGD and RMSprop
 * keep their momentum slot even with momentum 0 (Keras creates none), so
 * weights files keep one layout per optimizer name. */
const char *optimizer_slot_names(const model *m)
{
    switch (m->optimizer) {
    case OPT_SGD:
        return "momentum";
    case OPT_ADAM:
    case OPT_ADAMW:
        return m->amsgrad ? "momentum,velocity,velocity_hat" : "momentum,velocity";
    case OPT_RMSPROP:
        return m->centered ? "velocity,momentum,average_gradient" : "velocity,momentum";
    case OPT_ADAGRAD:
        return "accumulator";
    case OPT_NADAM:
        return "momentum,velocity";
    }
    unreachable();
}

int optimizer_slots(const model *m)
{
    int n = 1;
    for (const char *p = optimizer_slot_names(m); *p; p++)
        n += *p == ',';
    return n;
}

void optimizer_free(model *m)
{
    schedule_free(m);
    for (int i = 0; i < m->num_wd_exclude; i++)
        free(m->wd_exclude[i]);
    free(m->wd_exclude);
    free(m->wd_exclude_locs);
}

/* ---- emission ---- */

static void lit_real(subst *s, const char *from, double v)
{
    s->from = from;
    snprintf(s->to, sizeof s->to, "((nnc_real)%.17g)", v);
}

static void describe(const model *m, strbuf *out)
{
    switch (m->optimizer) {
    case OPT_SGD:
        sb_printf(out, "sgd (momentum %g%s", m->momentum, m->nesterov ? ", nesterov" : "");
        break;
    case OPT_ADAM:
    case OPT_ADAMW:
    case OPT_NADAM:
        sb_printf(out, "%s (beta_1 %g, beta_2 %g, epsilon %g%s", opt_names[m->optimizer],
                  m->beta1, m->beta2, m->epsilon, m->amsgrad ? ", amsgrad" : "");
        break;
    case OPT_RMSPROP:
        sb_printf(out, "rmsprop (rho %g, momentum %g, epsilon %g%s", m->rho, m->momentum,
                  m->epsilon, m->centered ? ", centered" : "");
        break;
    case OPT_ADAGRAD:
        sb_printf(out, "adagrad (initial_accumulator_value %g, epsilon %g",
                  m->initial_accumulator, m->epsilon);
        break;
    }
    if (m->weight_decay > 0)
        sb_printf(out, ", weight_decay %g", m->weight_decay);
    if (m->clip)
        sb_printf(out, ", %s %g", clip_keys[m->clip - 1], m->clip_value);
    sb_puts(out, ")");
}

/* The rule's template and its literals; returns the template's name. */
static const char *rule_substs(const model *m, subst *s, int *n)
{
    switch (m->optimizer) {
    case OPT_SGD:
        lit_real(&s[(*n)++], "MOMENTUM", m->momentum);
        emit_lit_int(&s[(*n)++], "NESTEROV", m->nesterov);
        return "sgd_update";
    case OPT_ADAM:
    case OPT_ADAMW:
    case OPT_NADAM:
        lit_real(&s[(*n)++], "BETA_1", m->beta1);
        lit_real(&s[(*n)++], "BETA_2", m->beta2);
        lit_real(&s[(*n)++], "EPSILON", m->epsilon);
        return m->optimizer == OPT_NADAM ? "nadam_update"
               : m->amsgrad              ? "adam_amsgrad_update"
                                         : "adam_update";
    case OPT_RMSPROP:
        lit_real(&s[(*n)++], "RHO", m->rho);
        lit_real(&s[(*n)++], "MOMENTUM", m->momentum);
        lit_real(&s[(*n)++], "EPSILON", m->epsilon);
        return m->centered ? "rmsprop_centered_update" : "rmsprop_update";
    case OPT_ADAGRAD:
        lit_real(&s[(*n)++], "EPSILON", m->epsilon);
        return "adagrad_update";
    }
    unreachable();
}

static int tensor_decays(const model *m, const tensor *t)
{
    if (m->weight_decay == 0)
        return 0;
    for (int i = 0; i < m->num_wd_exclude; i++)
        if (!strcmp(m->wd_exclude[i], t->role))
            return 0;
    return 1;
}

/* The trainable tensors, for clipping (per tensor, or all of them in this
 * fixed order) and weight decay; returns the count and the largest tensor. */
static int emit_tensor_table(emit_ctx *e, size_t *largest)
{
    const model *m = e->m;
    int nt = 0;
    *largest = 0;
    sb_puts(e->out, "/* the trainable tensors: clipping and weight decay go through them in "
                    "this order */\ntypedef struct nnc_opt_tensor {\n    long offset, count;\n"
                    "    int decay; /* weight decay applies */\n} nnc_opt_tensor;\n"
                    "static const nnc_opt_tensor nnc_opt_tensors[] = {\n");
    for (int i = 0; i < m->num_nodes; i++)
        for (int k = 0; k < m->nodes[i].num_t; k++) {
            const tensor *t = &m->nodes[i].t[k];
            if (t->kind != TENSOR_TRAINABLE)
                continue;
            sb_printf(e->out, "    {%zu, %zu, %d}, /* %s.%s */\n", t->offset, t->count,
                      tensor_decays(m, t), m->nodes[i].id, t->role);
            *largest = t->count > *largest ? t->count : *largest;
            nt++;
        }
    sb_puts(e->out, "};\n");
    return nt;
}

/* Clipping and weight decay, when the spec has them. */
static void emit_clip_decay(emit_ctx *e)
{
    const model *m = e->m;
    static const char *const clip_tpl[] = {NULL, "clip_by_norm", "clip_by_global_norm",
                                           "clip_by_value"};
    static const char *const clip_lit[] = {NULL, "CLIPNORM", "GLOBAL_CLIPNORM", "CLIPVALUE"};
    if (!m->clip && m->weight_decay == 0)
        return;
    size_t largest;
    subst s[4];
    emit_lit_int(&s[0], "NUM_TENSORS", emit_tensor_table(e, &largest));
    if (m->clip == CLIP_NORM || m->clip == CLIP_GLOBAL_NORM) {
        emit_lit_int(&s[1], "SUMSQ_CHUNKS", (long)((largest + 4095) / 4096));
        template_emit(e->out, "grad_sumsq", s + 1, 1);
    }
    if (m->clip) {
        lit_real(&s[1], clip_lit[m->clip], m->clip_value);
        template_emit(e->out, clip_tpl[m->clip], s, 2);
    }
    if (m->weight_decay > 0) {
        lit_real(&s[1], "WEIGHT_DECAY", m->weight_decay);
        template_emit(e->out, "weight_decay", s, 2);
    }
}

/* nnc_opt_step: one step in Keras's order on the parameters [lo, hi) (all
 * of them in one process, a rank's shard in a distributed fit, which
 * NNC_OPT_SHARDABLE allows unless a norm clip needs the whole gradient);
 * nnc_opt_init_slots: slots that do not start at zero (Adagrad's accumulator). */
static void emit_step(emit_ctx *e, int slots)
{
    const model *m = e->m;
    static const char *const slot_arg[] = {"nnc_opt[0]", "nnc_opt[1]", "nnc_opt[2]"};
    int whole = m->clip == CLIP_NORM || m->clip == CLIP_GLOBAL_NORM;
    sb_puts(e->out, m->clip || m->weight_decay > 0
                        ? "\n/* One optimizer step (t counts from 1) on parameters [lo, hi), in "
                          "Keras's order:\n * clip the gradients, decay the weights, then the "
                          "rule. */\n"
                        : "\n/* One optimizer step (t counts from 1) on parameters [lo, hi). */\n");
    sb_printf(e->out, "#define NNC_OPT_SHARDABLE %d%s\n", !whole,
              whole ? " /* the norm clip needs every gradient */" : "");
    sb_puts(e->out, "static void nnc_opt_step(nnc_real lr, int64_t t, long lo, long hi)\n{\n");
    if (whole)
        sb_puts(e->out, "    nnc_clip_grads(nnc_grads); /* called with [0, all) only */\n");
    else if (m->clip)
        sb_puts(e->out, "    nnc_clip_grads(nnc_grads, lo, hi);\n");
    if (m->weight_decay > 0)
        sb_puts(e->out, "    nnc_weight_decay(nnc_params, lr, lo, hi);\n");
    sb_puts(e->out, "    opt_update(nnc_params, nnc_grads");
    for (int k = 0; k < slots; k++)
        sb_printf(e->out, ", %s", slot_arg[k]);
    sb_puts(e->out, ", lr, t, lo, hi);\n}\n\nstatic void nnc_opt_init_slots(void)\n{\n");
    if (m->optimizer == OPT_ADAGRAD && m->initial_accumulator != 0)
        sb_printf(e->out, "    for (long i = 0; i < %zu; i++) /* initial_accumulator_value */\n"
                          "        nnc_opt[0][i] = ((nnc_real)%.17g);\n",
                  m->param_block, m->initial_accumulator);
    else
        sb_puts(e->out, "    /* every slot starts at zero */\n");
    sb_puts(e->out, "}\n");
}

void optimizer_emit(emit_ctx *e)
{
    const model *m = e->m;
    subst s[8];
    int n = 0;
    strbuf what = {0};
    const char *tpl = rule_substs(m, s, &n);
    describe(m, &what);
    sb_puts(e->out, "/* ");
    c_comment_text(e->out, m->spec_path);
    sb_printf(e->out, ": optimizer %s */\n", what.data);
    sb_free(&what);
    template_emit(e->out, tpl, s, n);
    emit_clip_decay(e);
    emit_step(e, optimizer_slots(m));
}
