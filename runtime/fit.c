/* fit.c — the training loop: weights from init_params, --init or --resume;
 * training and validation data; per epoch a shuffle keyed by (seed, epoch),
 * a step over the batches (dist_step.c: one process or the ranks of a
 * distributed fit), validation, an atomic weights save and a history row
 * (by rank 0). A batch loss that is not finite stops the run (Keras's
 * TerminateOnNaN) before it can reach the weights file. */
#include <inttypes.h>
#include <signal.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "callbacks.h"
#include "commands.h"
#include "fit_options.h"
#include "fit_logs.h"
#include "fit_state.h"
#include "dist.h"
#include "history.h"
#include "interrupt.h"
#include "progress.h"
#include "rng.h"
#include "util.h"
#include "weights.h"

typedef struct fit_ctx {
    const nncrt_model *m;
    const nncrt_opts *o;
    char *weights;              /* where every epoch is saved */
    uint64_t seed;
    int epochs, start;          /* epochs [start, epochs) are run */
    int saved;                  /* epochs in the weights file on disk (0: none from this run) */
    float lr;
    nncrt_weights_meta meta;    /* from --init/--resume; class names for the save */
    bool have_meta;
    nncrt_dataset train, val;   /* val unused when validation is a split of train */
    const nncrt_dataset *vds;
    size_t *tidx, ntrain, *vidx, nval, *order;
    nncrt_batch batch;
    nncrt_dist_step step;       /* this rank's share of each batch (dist_step.c) */
    nncrt_metrics tm, vm;
    nncrt_history hist;
    nncrt_logs logs;            /* the epoch's values by Keras's names */
    nncrt_callbacks cb;         /* fit: callbacks: and their state */
    int start_step;             /* batches of epoch `start` done before an interrupt */
    bool start_hist_fresh;      /* --resume of a file whose history has other columns */
    long steps_run;             /* training steps of this run */
    double step_secs;           /* and their wall-clock time */
    double *step_times;         /* each step's, when they are printed (NULL: not) */
    size_t step_cap;
} fit_ctx;

static void resolve_options(fit_ctx *c)
{
    const nncrt_model *m = c->m;
    const nncrt_opts *o = c->o;
    c->weights = o->weights ? nncrt_xstrdup(o->weights) : nncrt_default_weights_path(m);
    c->seed = o->has_seed ? o->seed : m->seed;
    c->epochs = o->epochs ? o->epochs : m->epochs;
    c->lr = (float)(o->lr > 0 ? o->lr : m->learning_rate);
    nncrt_metrics_init(&c->tm, m->num_classes);
    nncrt_metrics_init(&c->vm, m->num_classes);
    nncrt_metrics_from_model(&c->tm, m);
    nncrt_metrics_from_model(&c->vm, m);
    nncrt_logs_init(&c->logs, m);
    nncrt_callbacks_init(&c->cb, m, c->weights);
}

/* Before anything is loaded: the weights and history files can be written,
   and what interrupted saves of them left behind is gone. */
static int prepare_output(const fit_ctx *c)
{
    if (nncrt_dist_rank() != 0)   /* rank 0 writes them */
        return 0;
    char *hist = nncrt_history_path(c->weights);
    nncrt_afile_clean_stale(c->weights, stdout);
    nncrt_afile_clean_stale(hist, stdout);
    int rc = nncrt_afile_check(c->weights);
    if (rc == 0)
        rc = nncrt_afile_check(hist);
    free(hist);
    return rc;
}

/* initial_epoch (Keras's fit(initial_epoch=)) without --resume: the run
   starts at that epoch index, with the permutation, random keys and
   callbacks' epoch of the real index; the optimizer starts at step 0 as a
   fresh Keras optimizer does, so a schedule starts again. */
static void start_initial_epoch(fit_ctx *c)
{
    c->start = c->o->has_initial_epoch ? c->o->initial_epoch : c->m->initial_epoch;
    if (c->start > 0 && c->start < c->epochs)
        printf("Starting at epoch %d (initial_epoch %d).\n", c->start + 1, c->start);
}

/* Parameters and optimizer state to start from. */
static int start_state(fit_ctx *c)
{
    const nncrt_model *m = c->m;
    if (!c->o->resume && !c->o->init) {
        m->init_params(c->seed);
        m->opt_reset();
        start_initial_epoch(c);
        return 0;
    }
    const char *from = c->o->resume ? c->weights : c->o->init;
    if (nncrt_weights_load(m, from, c->o->resume, &c->meta) != 0)
        return -1;
    c->have_meta = true;
    if (!c->o->resume) {
        m->opt_reset();
        start_initial_epoch(c);
        return 0;
    }
    /* --resume: the file's epoch is the one to start at; the spec's
       initial_epoch was for the first run */
    if (c->o->has_initial_epoch && c->o->initial_epoch != c->meta.epoch)
        return nncrt_error("%s: --initial-epoch %d, but the weights file records epoch %d; "
                           "--resume continues there (leave --initial-epoch out, or start "
                           "from these weights with --init)", from, c->o->initial_epoch,
                           c->meta.epoch);
    if (!c->meta.has_opt) {
        nncrt_warn("%s: no optimizer state in the file; the optimizer restarts from zero", from);
        m->opt_reset();
    }
    c->start = c->saved = c->meta.epoch;
    if (!c->o->has_seed && c->meta.has_seed)
        c->seed = c->meta.seed;   /* the same split and shuffles as the first run */
    if (c->meta.fit_state) {
        nncrt_fit_state fs;
        if (nncrt_fit_state_load(c->meta.fit_state, &fs, &c->tm, &c->cb) != 0)
            return nncrt_error("%s: metadata fit_state is not a state of this trainer's fit (saved with other callbacks?); start from these weights with --init instead of --resume", from);
        c->start_step = fs.step;
        if (c->o->lr <= 0)
            c->lr = fs.lr;   /* the rate callbacks left */
    }
    fputs("Resuming from ", stdout);
    nncrt_fputs_escaped(from, stdout);
    if (c->start_step)
        printf(" in epoch %d after batch %d.\n", c->start + 1, c->start_step);
    else
        printf(" after epoch %d.\n", c->start);
    return 0;
}

/* The history so far: the checkpoint's record when resuming, which also
   rewrites the CSV (it may have missed the last save's rows). */
static int start_history(fit_ctx *c)
{
    const char *record = c->o->resume ? c->meta.history : NULL;
    char *header = nncrt_logs_header(&c->logs);
    if (record && strncmp(record, header, strlen(header)) != 0) {
        nncrt_warn("%s: its history has other columns than this trainer's (%.*s); the history "
                   "file starts again", c->weights, (int)strlen(header) - 1, header);
        record = NULL;
        c->start_hist_fresh = true;
    }
    nncrt_history_open_cols(&c->hist, c->weights, header, record,
                            c->start_hist_fresh || !c->o->resume ? 0 : c->start);
    /* the epochs before (another history's, or skipped by initial_epoch), as
       rows of nan: the record keeps one row for each epoch 1..start */
    if (c->start_hist_fresh || (!c->o->resume && c->start > 0)) {
        double *v = nncrt_xcalloc((size_t)c->logs.n + 1, sizeof *v);
        bool *has = nncrt_xcalloc((size_t)c->logs.n + 1, sizeof *has);
        for (int i = 0; i < c->logs.n; i++)
            v[i] = NAN, has[i] = true;
        for (int e = 0; e < c->start; e++)
            nncrt_history_add_values(&c->hist, e + 1, v, has, c->logs.n);
        free(v);
        free(has);
    }
    free(header);
    return c->o->resume && nncrt_dist_rank() == 0 ? nncrt_history_write(&c->hist) : 0;
}

static const char *train_path(const fit_ctx *c)
{
    return c->o->data ? c->o->data : c->m->data_train;
}

static int load_validation(fit_ctx *c, const char *vpath)
{
    const nncrt_model *m = c->m;
    if (vpath) {
        nncrt_data_opts d = nncrt_model_data_opts(m, c->train.class_names, c->train.num_classes,
                                                  0, stdout);
        const char *key = c->o->val ? NULL : "data.validation";
        nncrt_buf cache = { 0 };   /* --cache FILE: validation data in FILE.val */
        if (c->o->cache)
            nncrt_buf_printf(&cache, "%s.val", c->o->cache);
        d.strict = c->o->strict, d.cache = cache.data;
        int rc = nncrt_load_dataset(m, &c->val, vpath, key, "--val", &d);
        nncrt_buf_free(&cache);
        if (rc != 0)
            return -1;
        c->vds = &c->val;
        c->tidx = nncrt_xmalloc_array(c->train.n, sizeof(size_t));
        c->vidx = nncrt_xmalloc_array(c->val.n, sizeof(size_t));
        for (size_t i = 0; i < c->train.n; i++)
            c->tidx[i] = i;
        for (size_t i = 0; i < c->val.n; i++)
            c->vidx[i] = i;
        c->ntrain = c->train.n, c->nval = c->val.n;
        return 0;
    }
    double split = m->validation_split > 0 && m->validation_split < 1 ? m->validation_split : 0;
    nncrt_split(c->train.n, split, m->shuffle, c->seed, &c->tidx, &c->ntrain, &c->vidx, &c->nval);
    c->vds = &c->train;
    if (c->ntrain == 0)
        return nncrt_error("%s: validation_split %g leaves no training samples", train_path(c), split);
    if (split > 0 && c->nval == 0)
        nncrt_warn("validation_split %g of %zu samples is 0 samples: no validation", split, c->train.n);
    return 0;
}

static int load_data(fit_ctx *c)
{
    const nncrt_model *m = c->m;
    const char *path = train_path(c);
    if (!path)
        return nncrt_error("fit: no training data: pass --data PATH (the spec has no data.train)");
    char *const *names = c->have_meta ? c->meta.class_names
                         : m->num_class_names ? (char *const *)m->class_names : NULL;
    int nnames = c->have_meta ? c->meta.num_class_names : m->num_class_names;
    nncrt_data_opts d = nncrt_model_data_opts(m, names, nnames, c->o->limit, stdout);
    d.strict = c->o->strict, d.cache = c->o->cache;
    if (nncrt_load_dataset(m, &c->train, path, c->o->data ? NULL : "data.train", "--data", &d) != 0)
        return -1;
    const char *vpath = c->o->val ? c->o->val : m->data_validation;
    if (load_validation(c, vpath) != 0)
        return -1;
    printf("Using %zu files for training.\n", c->ntrain);
    if (c->nval)
        printf("Using %zu files for validation.\n", c->nval);
    nncrt_warn_duplicates(&c->train, c->tidx, c->ntrain, c->vds, c->vidx, c->nval);
    if (c->o->resume && c->meta.train_samples && c->meta.train_samples != c->ntrain)
        nncrt_warn("resuming with %zu training samples; the weights were trained on %zu",
                   c->ntrain, c->meta.train_samples);
    return 0;
}

/* Keras's TerminateOnNaN: a non-finite batch loss ends the run there, so the
   diverged parameters are never saved; --no-stop-on-nan goes on (and the
   save refuses weights that are not finite). */
static int check_loss(const fit_ctx *c, double loss, int epoch, int step, int steps,
                      const nncrt_progress *p)
{
    if (isfinite(loss) || c->o->no_stop_on_nan)
        return 0;
    if (p->tty)
        putchar('\n');   /* end the progress bar's line */
    char kept[64] = "no weights were saved";
    if (c->saved)
        snprintf(kept, sizeof kept, "keeps the weights of epoch %d", c->saved);
    return nncrt_error("epoch %d, batch %d/%d: the loss is %s; training stopped, %s%s%s (try a "
                       "lower --lr; --no-stop-on-nan goes on)", epoch + 1, step + 1, steps,
                       nncrt_nonfinite_name(loss), c->saved ? c->weights : "", c->saved ? " " : "",
                       kept);
}

static char *fit_state_text(const fit_ctx *c, int step)
{
    nncrt_fit_state fs = { step, c->lr };
    return nncrt_fit_state_save(&fs, &c->tm, &c->cb);
}

static void print_resume_hint(const fit_ctx *c)
{
    int sig = nncrt_interrupted();
    printf("%s: training stopped; to continue, run the same fit command with --resume "
           "(weights: ", sig == SIGINT ? "SIGINT" : "SIGTERM");
    nncrt_fputs_escaped(c->weights, stdout);
    printf(")\n");
    fflush(stdout);
}

/* An interrupt after batch `step` of epoch (0-based): the weights, the
   optimizer and the fit state there, atomically, for --resume. */
static int save_interrupted(fit_ctx *c, int epoch, int step, const nncrt_progress *p)
{
    if (p->tty)
        putchar('\n');
    char *csv = nncrt_history_csv(&c->hist);
    nncrt_weights_meta meta = {
        .epoch = epoch, .seed = c->seed, .train_samples = c->ntrain,
        .class_names = c->train.class_names, .num_class_names = c->train.num_classes,
        .history = csv, .fit_state = fit_state_text(c, step),
    };
    int rc = nncrt_dist_rank() == 0 ? nncrt_weights_save(c->m, c->weights, &meta) : 0;
    free(csv);
    free(meta.fit_state);
    if (rc != 0)
        return -1;
    printf("Checkpoint written after epoch %d, batch %d.\n", epoch + 1, step);
    print_resume_hint(c);
    return 128 + nncrt_interrupted();
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_step(fit_ctx *c)
{
    size_t n = (size_t)c->steps_run;
    qsort(c->step_times, n, sizeof *c->step_times, cmp_double);
    return n % 2 ? c->step_times[n / 2] : (c->step_times[n / 2 - 1] + c->step_times[n / 2]) / 2;
}

/* Batches of one epoch in an order that depends only on (seed, epoch). */
static int train_epoch(fit_ctx *c, int epoch, nncrt_progress *p)
{
    const nncrt_model *m = c->m;
    size_t bs = (size_t)m->batch_size;
    int steps = nncrt_fit_steps(m, c->o, (int)((c->ntrain + bs - 1) / bs));
    memcpy(c->order, c->tidx, c->ntrain * sizeof *c->order);
    if (m->shuffle) {
        nncrt_rng r;
        nncrt_rng_seed(&r, c->seed, NNCRT_STREAM_EPOCH + (uint64_t)epoch);
        nncrt_shuffle(c->order, c->ntrain, &r);
    }
    nncrt_progress_epoch(p, stdout, epoch + 1, c->epochs, steps);
    int first = epoch == c->start ? c->start_step : 0;   /* an interrupted epoch goes on */
    if (first == 0)
        nncrt_metrics_reset(&c->tm);
    for (int s = first; s < steps; s++) {
        size_t at = (size_t)s * bs;
        int n = (int)(c->ntrain - at < bs ? c->ntrain - at : bs);
        double t0 = nncrt_now();
        float lr = (float)nncrt_learning_rate(m, c->lr, *m->opt_step);   /* schedule.c */
        double loss = nncrt_dist_train_step(m, &c->step, &c->batch, &c->train, c->order + at, n,
                                            lr, c->seed, epoch);
        double dt = nncrt_now() - t0;
        c->step_secs += dt;
        if (c->step_times) {   /* the median is steadier than the mean on a busy machine */
            if ((size_t)c->steps_run == c->step_cap)
                c->step_times = nncrt_xrealloc(c->step_times, (c->step_cap *= 2) * sizeof dt);
            c->step_times[c->steps_run] = dt;
        }
        if (check_loss(c, loss, epoch, s, steps, p) != 0)
            return -1;
        nncrt_metrics_add_preds(&c->tm, c->step.preds, c->step.labels, n, loss);
        if (m->metrics && nncrt_dist_size() == 1) /* top-k, AUC, ...: from the probabilities */
            nncrt_metrics_add_fit(&c->tm, c->batch.probs, c->batch.labels, n);
        c->steps_run++;
        nncrt_progress_step(p, s + 1, nncrt_metrics_loss(&c->tm), nncrt_metrics_accuracy(&c->tm));
        nncrt_interrupt_test_hook(epoch + 1, s + 1);
        int sig = nncrt_dist_max_int(nncrt_interrupted()); /* all ranks stop at one batch */
        if (sig) {
            nncrt_interrupt_set(sig);
            nncrt_dist_step_sync(m, &c->step);
            return save_interrupted(c, epoch, s + 1, p);
        }
    }
    nncrt_dist_step_sync(m, &c->step);   /* the slots whole for callbacks and saves */
    return 0;
}

/* The weights, with the history of every epoch in them, then the CSV from
   that record (history.h): a kill between the two costs a CSV row only until
   the next --resume. */
static int save_epoch(fit_ctx *c, int epoch)
{
    nncrt_history_add_values(&c->hist, epoch + 1, c->logs.v, c->logs.has, c->logs.n);
    nncrt_weights_meta meta = {
        .epoch = epoch + 1, .seed = c->seed, .train_samples = c->ntrain,
        .class_names = c->train.class_names, .num_class_names = c->train.num_classes,
        .history = nncrt_history_csv(&c->hist),
    };
    /* callbacks see the weights of this epoch and may lower the rate */
    int rc = nncrt_callbacks_epoch_end(&c->cb, epoch, &c->logs, &c->lr, &meta, meta.history);
    meta.fit_state = fit_state_text(c, 0);
    if (rc == 0)
        rc = nncrt_dist_rank() == 0 ? nncrt_weights_save(c->m, c->weights, &meta) : 0;
    free(meta.history);
    free(meta.fit_state);
    if (rc != 0)
        return -1;
    c->saved = epoch + 1;
    return nncrt_dist_rank() == 0 ? nncrt_history_write(&c->hist) : 0;
}

/* restore_best_weights: the best epoch's weights become the saved ones. */
static int finish_callbacks(fit_ctx *c)
{
    bool restore = false;
    for (int i = 0; i < c->m->num_callbacks; i++)
        restore |= c->m->callbacks[i].kind == NNCRT_CB_EARLY_STOPPING &&
                   c->m->callbacks[i].restore_best_weights && c->cb.s[i].has_best;
    if (!restore || nncrt_dist_rank() != 0)
        return 0;
    if (nncrt_callbacks_train_end(&c->cb) != 0)
        return -1;
    nncrt_weights_meta meta = {
        .epoch = c->saved, .seed = c->seed, .train_samples = c->ntrain,
        .class_names = c->train.class_names, .num_class_names = c->train.num_classes,
        .history = nncrt_history_csv(&c->hist), .fit_state = fit_state_text(c, 0),
    };
    int rc = nncrt_dist_rank() == 0 ? nncrt_weights_save(c->m, c->weights, &meta) : 0;
    free(meta.history);
    free(meta.fit_state);
    return rc;
}

static int run_epochs(fit_ctx *c)
{
    nncrt_batch_alloc(&c->batch, c->m);
    nncrt_dist_step_alloc(&c->step, c->m);
    if (nncrt_batch_class_weights(&c->batch, c->m, &c->train, c->tidx, c->ntrain, stdout) != 0)
        return -1;
    c->order = nncrt_xmalloc_array(c->ntrain, sizeof *c->order);
    if (nncrt_dist_size() > 1 || getenv("NNCRT_STEP_TIMES"))
        c->step_times = nncrt_xmalloc_array(c->step_cap = 1024, sizeof *c->step_times);
    nncrt_interrupt_install();
    for (int e = c->start; e < c->epochs && !c->cb.stopped_epoch; e++) {
        nncrt_progress p;
        c->lr = nncrt_callbacks_epoch_begin(&c->cb, e, c->lr);
        int rc = train_epoch(c, e, &p);
        if (rc != 0)
            return rc;
        bool validate = c->nval && nncrt_fit_validates(c->m, c->o, e);
        if (validate) {
            nncrt_metrics_reset(&c->vm);
            nncrt_eval_indices(c->m, c->vds, c->vidx, c->nval, &c->batch, &c->vm);
        }
        nncrt_logs_fill(&c->logs, c->m, &c->tm, validate ? &c->vm : NULL,
                        nncrt_learning_rate(c->m, c->lr, *c->m->opt_step));
        nncrt_progress_done_logs(&p, &c->logs);
        if (!isfinite(nncrt_metrics_loss(&c->tm)))
            nncrt_warn("epoch %d: the loss is not finite; training diverged (try a lower --lr)", e + 1);
        if (save_epoch(c, e) != 0)
            return -1;
        if (nncrt_interrupted()) {   /* during validation or the save: the epoch is saved */
            print_resume_hint(c);
            return 128 + nncrt_interrupted();
        }
    }
    nncrt_interrupt_remove();
    if (finish_callbacks(c) != 0)
        return -1;
    if (c->step_times && c->steps_run > 0)
        printf("%d rank%s: %.3f ms per training step (median %.3f), %.3f of it in MPI "
               "exchanges (gradients %.3f, update %.3f)\n", nncrt_dist_size(),
               nncrt_dist_size() > 1 ? "s" : "", 1e3 * c->step_secs / (double)c->steps_run,
               1e3 * median_step(c),
               1e3 * nncrt_dist_seconds() / (double)c->steps_run,
               1e3 * c->step.grad_secs / (double)c->steps_run,
               1e3 * c->step.update_secs / (double)c->steps_run);   /* bench/mpi.sh reads it */
    fputs("Weights saved to ", stdout);
    nncrt_fputs_escaped(c->weights, stdout);
    fputs(", history to ", stdout);
    nncrt_fputs_escaped(c->hist.path, stdout);
    putchar('\n');
    return 0;
}

static void fit_free(fit_ctx *c)
{
    free(c->step_times);
    free(c->weights);
    nncrt_weights_meta_free(&c->meta);
    nncrt_dataset_free(&c->train);
    nncrt_dataset_free(&c->val);
    free(c->tidx);
    free(c->vidx);
    free(c->order);
    nncrt_batch_free(&c->batch);
    nncrt_dist_step_free(&c->step);
    nncrt_metrics_free(&c->tm);
    nncrt_metrics_free(&c->vm);
    nncrt_history_free(&c->hist);
    nncrt_logs_free(&c->logs);
    nncrt_callbacks_free(&c->cb);
}

int nncrt_cmd_fit(const nncrt_model *m, const nncrt_opts *o)
{
    fit_ctx c = { .m = m, .o = o };
    resolve_options(&c);
    nncrt_fit_apply_verbose(m, o);
    int rc = nncrt_dist_check(m);
    if (rc == 0)
        rc = prepare_output(&c);
    if (rc == 0)
        rc = start_state(&c);
    if (rc == 0)
        rc = start_history(&c);
    if (rc == 0 && c.cb.stopped_epoch) {
        nncrt_fputs_escaped(c.weights, stdout);
        printf(" stopped early after epoch %d (early_stopping): nothing to do.\n",
               c.cb.stopped_epoch);
    } else if (rc == 0 && c.start >= c.epochs && !o->resume) {
        printf("initial_epoch %d, epochs %d: no epoch to run, nothing to do.\n", c.start,
               c.epochs);
    } else if (rc == 0 && c.start >= c.epochs) {
        nncrt_fputs_escaped(c.weights, stdout);
        printf(" already has %d epochs (--epochs %d): nothing to do.\n", c.start, c.epochs);
    } else if (rc == 0) {
        rc = load_data(&c);
        if (rc == 0)
            rc = run_epochs(&c);
    }
    fit_free(&c);
    return rc == 0 ? 0 : rc > 128 ? rc : 1;   /* 130, 143: interrupted and checkpointed */
}
