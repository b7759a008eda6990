/* schedule.c — an optimizer's learning_rate given as a schedule
 * (`learning_rate: {cosine_decay: {initial_learning_rate: 0.001,
 * decay_steps: 1000}}`): Keras 3's keras.optimizers.schedules names,
 * arguments and defaults, checked here; the table the trainer's runtime
 * evaluates per step (runtime/schedule.c). A constant learning rate emits
 * nothing, so its trainer is unchanged. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

/* Indexed by the runtime's NNCRT_LR_* - 1. */
static const char *const sched_names[] = {"exponential_decay", "piecewise_constant_decay",
                                          "inverse_time_decay", "polynomial_decay",
                                          "cosine_decay", "cosine_decay_restarts", NULL};
enum { S_EXP = 1, S_PIECEWISE, S_INVTIME, S_POLY, S_COSINE, S_RESTARTS };

static const char *const exp_keys[] = {"initial_learning_rate", "decay_steps", "decay_rate",
                                       "staircase", NULL};
static const char *const piecewise_keys[] = {"boundaries", "values", NULL};
static const char *const poly_keys[] = {"initial_learning_rate", "decay_steps",
                                        "end_learning_rate", "power", "cycle", NULL};
static const char *const cosine_keys[] = {"initial_learning_rate", "decay_steps", "alpha",
                                          "warmup_target", "warmup_steps", NULL};
static const char *const restarts_keys[] = {"initial_learning_rate", "first_decay_steps",
                                            "t_mul", "m_mul", "alpha", NULL};
static const char *const *const sched_keys[] = {exp_keys, piecewise_keys, exp_keys,
                                                poly_keys, cosine_keys, restarts_keys};

#define MAX_LR 1e3
#define MAX_STEPS 2147483647L

/* A key Keras requires (no default): its absence is an error at the
 * schedule's name. */
static int required(attrs *a, const char *key, nnc_loc loc)
{
    if (attrs_get(a, key))
        return 0;
    diag_error(loc, "%s: %s is required (Keras has no default for it)", a->ctx, key);
    a->failed = 1;
    return -1;
}

static int read_steps(attrs *a, const char *key, nnc_loc loc, double *out)
{
    long v;
    if (required(a, key, loc))
        return -1;
    int rc = attrs_int(a, key, 1, 1, MAX_STEPS, &v);
    *out = (double)v;
    return rc;
}

static int read_initial(attrs *a, nnc_loc loc, lr_sched *s)
{
    if (required(a, "initial_learning_rate", loc))
        return -1;
    return attrs_real(a, "initial_learning_rate", 0, 0, MAX_LR, &s->initial);
}

/* boundaries: increasing integer steps; values: one more learning rate. */
static int parse_piecewise(attrs *a, nnc_loc loc, lr_sched *s)
{
    if (required(a, "boundaries", loc) | required(a, "values", loc))
        return -1;
    const ynode *b = attrs_get(a, "boundaries"), *v = attrs_get(a, "values");
    if (b->kind != NODE_SEQ || b->n < 1) {
        diag_error(b->loc, "%s: boundaries: expected a list of step counts, e.g. [1000, 2000]",
                   a->ctx);
        return -1;
    }
    if (v->kind != NODE_SEQ || v->n != b->n + 1) {
        diag_error(v->loc, "%s: values: expected a list of %d learning rates (one more than "
                           "the boundaries)", a->ctx, b->n + 1);
        return -1;
    }
    s->num_boundaries = b->n;
    s->boundaries = xcalloc((size_t)b->n, sizeof *s->boundaries);
    s->values = xcalloc((size_t)v->n, sizeof *s->values);
    char *bctx = xasprintf("%s: boundaries", a->ctx), *vctx = xasprintf("%s: values", a->ctx);
    int rc = 0;
    for (int i = 0; i < b->n && !rc; i++) {
        rc = node_int(b->items[i], bctx, 0, MAX_STEPS, &s->boundaries[i]);
        if (!rc && i > 0 && s->boundaries[i] <= s->boundaries[i - 1]) {
            diag_error(b->items[i]->loc, "%s: %ld does not come after %ld; boundaries must "
                                         "increase", bctx, s->boundaries[i],
                       s->boundaries[i - 1]);
            rc = -1;
        }
    }
    for (int i = 0; i < v->n && !rc; i++)
        rc = node_real(v->items[i], vctx, 0, MAX_LR, &s->values[i]);
    free(bctx);
    free(vctx);
    s->initial = s->values[0];
    return rc;
}

static int parse_cosine(attrs *a, nnc_loc loc, lr_sched *s)
{
    int rc = read_initial(a, loc, s) | read_steps(a, "decay_steps", loc, &s->decay_steps);
    rc |= attrs_real(a, "alpha", 0.0, 0.0, 1.0, &s->alpha);
    const ynode *target = attrs_get(a, "warmup_target");
    const ynode *wsteps = attrs_get(a, "warmup_steps");
    long w = 0;
    if (target) {   /* Keras: warmup_target=None skips the warm-up */
        s->has_warmup_target = 1;
        rc |= attrs_real(a, "warmup_target", 0, 1e-12, MAX_LR, &s->warmup_target);
        rc |= attrs_int(a, "warmup_steps", 0, 0, MAX_STEPS, &w);
    } else if (wsteps) {
        diag_error(wsteps->loc, "%s: warmup_steps has no effect without warmup_target (the "
                                "learning rate the warm-up reaches)", a->ctx);
        return -1;
    }
    s->warmup_steps = (double)w;
    return rc;
}

static int parse_kind(attrs *a, nnc_loc loc, lr_sched *s)
{
    int rc = 0;
    switch (s->kind) {
    case S_EXP:
    case S_INVTIME:
        rc = read_initial(a, loc, s) | read_steps(a, "decay_steps", loc, &s->decay_steps);
        if (!required(a, "decay_rate", loc))
            rc |= attrs_real(a, "decay_rate", 0, 0, 1e6, &s->decay_rate);
        else
            rc = -1;
        return rc | attrs_bool(a, "staircase", 0, &s->staircase);
    case S_PIECEWISE:
        return parse_piecewise(a, loc, s);
    case S_POLY:
        rc = read_initial(a, loc, s) | read_steps(a, "decay_steps", loc, &s->decay_steps);
        rc |= attrs_real(a, "end_learning_rate", 0.0001, 0, MAX_LR, &s->end_lr);
        rc |= attrs_real(a, "power", 1.0, 0, 1e3, &s->power);
        return rc | attrs_bool(a, "cycle", 0, &s->cycle);
    case S_COSINE:
        return parse_cosine(a, loc, s);
    case S_RESTARTS:
        rc = read_initial(a, loc, s) | read_steps(a, "first_decay_steps", loc, &s->decay_steps);
        /* t_mul < 1 makes the periods sum to a finite length, after which
           Keras's formula takes the log of a negative number */
        rc |= attrs_real(a, "t_mul", 2.0, 1.0, 1e3, &s->t_mul);
        rc |= attrs_real(a, "m_mul", 1.0, 0.0, 1e3, &s->m_mul);
        return rc | attrs_real(a, "alpha", 0.0, 0.0, 1.0, &s->alpha);
    }
    unreachable();
}

/* nd: the learning_rate value, a one-key mapping; ctx: "optimizer: adam". */
int schedule_parse(model *m, const ynode *nd, const char *ctx)
{
    if (nd->n != 1) {
        diag_error(nd->loc, "%s: learning_rate: expected a number or one schedule, e.g. "
                            "{cosine_decay: {initial_learning_rate: 0.001, decay_steps: 1000}}",
                   ctx);
        return -1;
    }
    lr_sched *s = xcalloc(1, sizeof *s);
    m->lr_schedule = s;
    s->loc = nd->key_locs[0];
    for (int i = 0; sched_names[i]; i++)
        if (!strcmp(nd->keys[0], sched_names[i]))
            s->kind = i + 1;
    if (!s->kind) {
        const char *near = diag_closest(nd->keys[0], sched_names, S_RESTARTS);
        diag_error(s->loc, "%s: learning_rate: unknown schedule '%s'%s%s%s; supported: "
                           "exponential_decay, piecewise_constant_decay, inverse_time_decay, "
                           "polynomial_decay, cosine_decay, cosine_decay_restarts", ctx,
                   nd->keys[0], near ? " (did you mean '" : "", near ? near : "",
                   near ? "'?)" : "");
        return -1;
    }
    const ynode *args = nd->items[0];
    if (args->kind != NODE_MAP) {
        diag_error(args->loc, "%s: learning_rate: %s: expected a mapping of its arguments, "
                              "e.g. {initial_learning_rate: 0.001, decay_steps: 1000}", ctx,
                   nd->keys[0]);
        return -1;
    }
    attrs a;
    attrs_init(&a, args, xasprintf("%s: learning_rate: %s", ctx, nd->keys[0]));
    const ynode *name = attrs_get(&a, "name");
    int rc;
    if (name) {
        diag_error(args->key_locs[0], "%s: name is not supported by nnc", a.ctx);
        rc = -1;
    } else {
        rc = parse_kind(&a, s->loc, s);
        rc = attrs_finish(&a, sched_keys[s->kind - 1]) | rc;
    }
    free((void *)a.ctx);
    return rc;
}

const char *schedule_name(const model *m)
{
    return m->lr_schedule ? sched_names[m->lr_schedule->kind - 1] : NULL;
}

void schedule_free(model *m)
{
    if (!m->lr_schedule)
        return;
    free(m->lr_schedule->boundaries);
    free(m->lr_schedule->values);
    free(m->lr_schedule);
    m->lr_schedule = NULL;
}

static void field(strbuf *out, const char *name, double v)
{
    if (v != 0)
        sb_printf(out, "    .%s = %.17g,\n", name, v);
}

/* The schedule's table, before the model struct (runtime part of the file). */
void schedule_emit_table(emit_ctx *e)
{
    const lr_sched *s = e->m->lr_schedule;
    if (!s)
        return;
    sb_puts(e->out, "\n/* ");
    c_comment_text(e->out, s->loc.file);
    sb_printf(e->out, ":%d:%d: learning_rate: %s, evaluated per optimizer step by "
                      "libnncrt */\n", s->loc.line, s->loc.col, sched_names[s->kind - 1]);
    if (s->kind == S_PIECEWISE) {
        sb_puts(e->out, "static const int64_t nnc_lr_boundaries[] = {");
        for (int i = 0; i < s->num_boundaries; i++)
            sb_printf(e->out, "%s%ld", i ? ", " : "", s->boundaries[i]);
        sb_puts(e->out, "};\nstatic const double nnc_lr_values[] = {");
        for (int i = 0; i <= s->num_boundaries; i++)
            sb_printf(e->out, "%s%.17g", i ? ", " : "", s->values[i]);
        sb_puts(e->out, "};\n");
    }
    sb_printf(e->out, "static const nncrt_lr_schedule nnc_lr_schedule = {\n"
                      "    .kind = %d, .name = \"%s\",\n", s->kind, sched_names[s->kind - 1]);
    field(e->out, "initial_learning_rate", s->initial);
    field(e->out, "decay_steps", s->decay_steps);
    field(e->out, "decay_rate", s->decay_rate);
    field(e->out, "staircase", s->staircase);
    field(e->out, "end_learning_rate", s->end_lr);
    field(e->out, "power", s->power);
    field(e->out, "cycle", s->cycle);
    field(e->out, "alpha", s->alpha);
    field(e->out, "has_warmup_target", s->has_warmup_target);
    field(e->out, "warmup_target", s->warmup_target);
    field(e->out, "warmup_steps", s->warmup_steps);
    field(e->out, "t_mul", s->t_mul);
    field(e->out, "m_mul", s->m_mul);
    if (s->kind == S_PIECEWISE)
        sb_printf(e->out, "    .num_boundaries = %d, .boundaries = nnc_lr_boundaries, "
                          ".values = nnc_lr_values,\n", s->num_boundaries);
    sb_puts(e->out, "};\n");
}

void schedule_emit_fields(emit_ctx *e)
{
    if (e->m->lr_schedule)
        sb_puts(e->out, "    .lr_schedule = &nnc_lr_schedule,\n");
}
