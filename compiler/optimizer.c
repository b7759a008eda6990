/* optimizer.c — the optimizer key (Keras names and defaults) and the emitted
 * update step. The learning rate stays a runtime argument so `fit --lr` can
 * override it; every other hyper-parameter is a literal. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

static const char *const opt_names[] = {"sgd", "adam", "rmsprop", NULL};
static const char *const sgd_keys[] = {"learning_rate", "momentum", "nesterov", NULL};
static const char *const adam_keys[] = {"learning_rate", "beta_1", "beta_2", "epsilon", NULL};
static const char *const rmsprop_keys[] = {"learning_rate", "rho", "momentum", "epsilon", NULL};

const char *optimizer_name(int opt) { return opt_names[opt]; }

static int parse_args(model *m, attrs *a)
{
    int rc = 0;
    switch (m->optimizer) {
    case OPT_SGD:
        rc |= attrs_real(a, "learning_rate", 0.01, 1e-12, 1e3, &m->lr);
        rc |= attrs_real(a, "momentum", 0.0, 0.0, 1.0, &m->momentum);
        rc |= attrs_bool(a, "nesterov", 0, &m->nesterov);
        return attrs_finish(a, sgd_keys) | rc;
    case OPT_ADAM:
        rc |= attrs_real(a, "learning_rate", 0.001, 1e-12, 1e3, &m->lr);
        rc |= attrs_real(a, "beta_1", 0.9, 0.0, 0.999999, &m->beta1);
        rc |= attrs_real(a, "beta_2", 0.999, 0.0, 0.99999999, &m->beta2);
        rc |= attrs_real(a, "epsilon", 1e-7, 1e-30, 1.0, &m->epsilon);
        return attrs_finish(a, adam_keys) | rc;
    case OPT_RMSPROP:
        rc |= attrs_real(a, "learning_rate", 0.001, 1e-12, 1e3, &m->lr);
        rc |= attrs_real(a, "rho", 0.9, 0.0, 0.999999, &m->rho);
        rc |= attrs_real(a, "momentum", 0.0, 0.0, 1.0, &m->momentum);
        rc |= attrs_real(a, "epsilon", 1e-7, 1e-30, 1.0, &m->epsilon);
        return attrs_finish(a, rmsprop_keys) | rc;
    }
    unreachable();
}

static int lookup(const char *name, nnc_loc loc, int *out)
{
    for (int i = 0; opt_names[i]; i++)
        if (!strcmp(name, opt_names[i])) {
            *out = i;
            return 0;
        }
    const char *near = diag_closest(name, opt_names, 3);
    diag_error(loc, "optimizer: unknown optimizer '%s'%s%s%s; supported: sgd, adam, rmsprop", name,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return -1;
}

/* Keras compile() defaults to rmsprop when no optimizer is named. */
int optimizer_parse(model *m, const ynode *nd)
{
    attrs a;
    m->optimizer = OPT_RMSPROP;
    if (nd && nd->kind == NODE_SCALAR) {
        if (lookup(nd->text, nd->loc, &m->optimizer))
            return -1;
        nd = NULL;
    } else if (nd && (nd->kind != NODE_MAP || nd->n != 1)) {
        diag_error(nd->loc, "optimizer: expected a name or {adam: {learning_rate: 0.001}}");
        return -1;
    } else if (nd) {
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

static void lit_real(subst *s, const char *from, double v)
{
    s->from = from;
    snprintf(s->to, sizeof s->to, "((nnc_real)%.17g)", v);
}

void optimizer_emit(emit_ctx *e)
{
    const model *m = e->m;
    subst s[8];
    int n = 0;
    emit_lit_int(&s[n++], "COUNT", (long)m->param_block);
    sb_puts(e->out, "/* ");
    c_comment_text(e->out, m->spec_path);
    switch (m->optimizer) {
    case OPT_SGD:
        lit_real(&s[n++], "MOMENTUM", m->momentum);
        emit_lit_int(&s[n++], "NESTEROV", m->nesterov);
        sb_printf(e->out, ": optimizer sgd (momentum %g%s) */\n", m->momentum,
                  m->nesterov ? ", nesterov" : "");
        template_emit(e->out, "sgd_update", s, n);
        break;
    case OPT_ADAM:
        lit_real(&s[n++], "BETA_1", m->beta1);
        lit_real(&s[n++], "BETA_2", m->beta2);
        lit_real(&s[n++], "EPSILON", m->epsilon);
        sb_printf(e->out, ": optimizer adam (beta_1 %g, beta_2 %g, epsilon %g) */\n",
                  m->beta1, m->beta2, m->epsilon);
        template_emit(e->out, "adam_update", s, n);
        break;
    case OPT_RMSPROP:
        lit_real(&s[n++], "RHO", m->rho);
        lit_real(&s[n++], "MOMENTUM", m->momentum);
        lit_real(&s[n++], "EPSILON", m->epsilon);
        sb_printf(e->out, ": optimizer rmsprop (rho %g, momentum %g, epsilon %g) */\n",
                  m->rho, m->momentum, m->epsilon);
        template_emit(e->out, "rmsprop_update", s, n);
        break;
    }
}
