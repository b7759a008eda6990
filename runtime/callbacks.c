/* callbacks.c — Keras 3's callbacks, transcribed from keras/src/callbacks
 * (3.15): the same comparisons, counters and order of updates. */
#include "callbacks.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

void nncrt_callbacks_init(nncrt_callbacks *cb, const nncrt_model *m, const char *weights)
{
    memset(cb, 0, sizeof *cb);
    cb->m = m;
    cb->s = nncrt_xcalloc((size_t)m->num_callbacks + 1, sizeof *cb->s);
    for (int i = 0; i < m->num_callbacks; i++) {
        const nncrt_callback *c = &m->callbacks[i];
        nncrt_cb_state *s = &cb->s[i];
        /* ModelCheckpoint and ReduceLROnPlateau start from +-inf, EarlyStopping from None */
        if (c->kind == NNCRT_CB_MODEL_CHECKPOINT || c->kind == NNCRT_CB_REDUCE_LR_ON_PLATEAU)
            s->has_best = true, s->best = c->mode_max ? -INFINITY : INFINITY;
        if (c->kind == NNCRT_CB_EARLY_STOPPING && c->restore_best_weights && !cb->best_path) {
            nncrt_buf b = { 0 };
            size_t n = strlen(weights);
            if (nncrt_has_suffix_ci(weights, ".safetensors"))
                n -= strlen(".safetensors");
            nncrt_buf_add(&b, weights, n);
            nncrt_buf_printf(&b, ".best.safetensors");
            cb->best_path = b.data;
        }
    }
}

void nncrt_callbacks_free(nncrt_callbacks *cb)
{
    free(cb->s);
    free(cb->best_path);
}

float nncrt_callbacks_epoch_begin(nncrt_callbacks *cb, int epoch, float lr)
{
    for (int i = 0; i < cb->m->num_callbacks; i++) {
        const nncrt_callback *c = &cb->m->callbacks[i];
        if (c->kind != NNCRT_CB_LR_SCHEDULER)
            continue;
        int k = 0;
        while (k + 1 < c->num_values && epoch >= c->boundaries[k])
            k++;
        lr = (float)c->values[k];
    }
    return lr;
}

/* Keras's monitor_op with min_delta: greater(v - d, ref) or less(v + d, ref). */
static bool improves(const nncrt_callback *c, double v, double ref, double min_delta)
{
    return c->mode_max ? v - min_delta > ref : v + min_delta < ref;
}

static int monitored(const nncrt_callback *c, const nncrt_logs *logs, double *v)
{
    int i = nncrt_logs_find(logs, c->monitor);
    if (i < 0 || !logs->has[i])
        return -1;   /* Keras warns and skips: val_* without validation data */
    *v = logs->v[i];
    return 0;
}

static int save_weights(const nncrt_model *m, const char *path, const nncrt_weights_meta *meta)
{
    return nncrt_weights_save(m, path, meta);
}

static int early_stopping(nncrt_callbacks *cb, int i, int epoch, const nncrt_logs *logs,
                          const nncrt_weights_meta *meta)
{
    const nncrt_callback *c = &cb->m->callbacks[i];
    nncrt_cb_state *s = &cb->s[i];
    double v;
    if (monitored(c, logs, &v) != 0 || epoch < c->start_from_epoch)
        return 0;
    s->wait++;
    if (!s->has_best || improves(c, v, s->best, fabs(c->min_delta))) {
        s->has_best = true, s->best = v, s->best_epoch = epoch;
        if (c->restore_best_weights && save_weights(cb->m, cb->best_path, meta) != 0)
            return -1;
        if (!c->has_baseline || improves(c, v, c->baseline, fabs(c->min_delta)))
            s->wait = 0;
        return 0;
    }
    if (s->wait >= c->patience && epoch > 0 && !cb->stopped_epoch) {
        cb->stopped_epoch = epoch + 1;
        printf("Epoch %d: early stopping (%s did not improve for %d epochs; best %.6g at "
               "epoch %d)\n", epoch + 1, c->monitor, s->wait, s->best, s->best_epoch + 1);
    }
    return 0;
}

static int model_checkpoint(nncrt_callbacks *cb, int i, int epoch, const nncrt_logs *logs,
                            const nncrt_weights_meta *meta)
{
    const nncrt_callback *c = &cb->m->callbacks[i];
    nncrt_cb_state *s = &cb->s[i];
    double v = 0;
    if (c->save_best_only) {
        if (monitored(c, logs, &v) != 0)
            return 0;
        if (!improves(c, v, s->best, 0))
            return 0;
        s->best = v;
    }
    char *path = nncrt_checkpoint_path(c->path, epoch, logs);
    int rc = save_weights(cb->m, path, meta);
    if (rc == 0) {
        printf("Epoch %d: saved the weights to ", epoch + 1);
        nncrt_fputs_escaped(path, stdout);
        putchar('\n');
    }
    free(path);
    return rc;
}

static void reduce_lr(nncrt_callbacks *cb, int i, int epoch, const nncrt_logs *logs, float *lr)
{
    const nncrt_callback *c = &cb->m->callbacks[i];
    nncrt_cb_state *s = &cb->s[i];
    double v;
    if (monitored(c, logs, &v) != 0)
        return;
    if (s->cooldown > 0)
        s->cooldown--, s->wait = 0;
    if (improves(c, v, s->best, c->min_delta)) {
        s->best = v, s->wait = 0;
    } else if (s->cooldown <= 0 && ++s->wait >= c->patience) {
        double old = *lr;
        if (old > (double)(float)c->min_lr) {
            double lower = fmax(old * c->factor, c->min_lr);
            *lr = (float)lower;
            s->cooldown = c->cooldown, s->wait = 0;
            printf("Epoch %d: reduce_lr_on_plateau lowered the learning rate to %.6g.\n",
                   epoch + 1, (double)*lr);
        }
    }
}

/* Keras's CSVLogger: the epoch (0-based) and the logs by sorted key. */
static int csv_logger(const nncrt_callback *c, int epoch, const nncrt_logs *logs,
                      const char *history_csv)
{
    (void)history_csv;
    int *ord = nncrt_xmalloc_array((size_t)logs->n, sizeof *ord);
    for (int i = 0; i < logs->n; i++) {   /* insertion sort: a few names */
        int j = i;
        for (; j > 0 && strcmp(logs->names[ord[j - 1]], logs->names[i]) > 0; j--)
            ord[j] = ord[j - 1];
        ord[j] = i;
    }
    FILE *f = fopen(c->path, epoch == 0 && !c->append ? "w" : "a");
    if (!f) {
        free(ord);
        return nncrt_error("csv_logger: cannot write %s", c->path);
    }
    long at = ftell(f);
    if (at <= 0 || (fseek(f, 0, SEEK_END) == 0 && ftell(f) == 0)) {
        fputs("epoch", f);
        for (int i = 0; i < logs->n; i++)
            fprintf(f, ",%s", logs->names[ord[i]]);
        fputc('\n', f);
    }
    fprintf(f, "%d", epoch);
    for (int i = 0; i < logs->n; i++) {
        if (logs->has[ord[i]])
            fprintf(f, ",%.17g", logs->v[ord[i]]);
        else
            fputc(',', f);
    }
    fputc('\n', f);
    free(ord);
    return fclose(f) == 0 ? 0 : nncrt_error("csv_logger: cannot write %s", c->path);
}

int nncrt_callbacks_epoch_end(nncrt_callbacks *cb, int epoch, const nncrt_logs *logs,
                              float *lr, const nncrt_weights_meta *meta, const char *history_csv)
{
    for (int i = 0; i < cb->m->num_callbacks; i++) {
        const nncrt_callback *c = &cb->m->callbacks[i];
        int rc = 0;
        switch (c->kind) {
        case NNCRT_CB_EARLY_STOPPING: rc = early_stopping(cb, i, epoch, logs, meta); break;
        case NNCRT_CB_MODEL_CHECKPOINT: rc = model_checkpoint(cb, i, epoch, logs, meta); break;
        case NNCRT_CB_REDUCE_LR_ON_PLATEAU: reduce_lr(cb, i, epoch, logs, lr); break;
        case NNCRT_CB_CSV_LOGGER: rc = csv_logger(c, epoch, logs, history_csv); break;
        default: break;   /* terminate_on_nan: fit's check_loss; the scheduler: epoch_begin */
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int nncrt_callbacks_train_end(nncrt_callbacks *cb)
{
    for (int i = 0; i < cb->m->num_callbacks; i++) {
        const nncrt_callback *c = &cb->m->callbacks[i];
        if (c->kind != NNCRT_CB_EARLY_STOPPING || !c->restore_best_weights || !cb->s[i].has_best)
            continue;
        nncrt_weights_meta meta;
        if (nncrt_weights_load(cb->m, cb->best_path, false, &meta) != 0)
            return -1;
        nncrt_weights_meta_free(&meta);
        printf("Restoring the weights of the best epoch (%d).\n", cb->s[i].best_epoch + 1);
        return 0;
    }
    return 0;
}

void nncrt_callbacks_save(const nncrt_callbacks *cb, nncrt_buf *out)
{
    nncrt_buf_printf(out, "stopped %d\n", cb->stopped_epoch);
    for (int i = 0; i < cb->m->num_callbacks; i++) {
        const nncrt_cb_state *s = &cb->s[i];
        nncrt_buf_printf(out, "callback %d %d %a %d %d %d\n", i, s->has_best, s->best, s->wait,
                         s->cooldown, s->best_epoch);
    }
}

int nncrt_callbacks_load(nncrt_callbacks *cb, const char *text)
{
    const char *p = strstr(text, "stopped ");
    if (!p || sscanf(p, "stopped %d", &cb->stopped_epoch) != 1)
        return -1;
    for (int i = 0; i < cb->m->num_callbacks; i++) {
        char key[32];
        snprintf(key, sizeof key, "\ncallback %d ", i);
        p = strstr(text, key);
        nncrt_cb_state *s = &cb->s[i];
        int has, idx;
        if (!p || sscanf(p + 1, "callback %d %d %la %d %d %d", &idx, &has, &s->best, &s->wait,
                         &s->cooldown, &s->best_epoch) != 6)
            return -1;
        s->has_best = has != 0;
    }
    return 0;
}

/* One "{name}" or "{name:spec}" field; spec as the compiler allows it:
   [0][width][.precision](d|f|e|g). */
static void format_field(nncrt_buf *b, const char *name, size_t nlen, const char *spec,
                         size_t slen, int epoch, const nncrt_logs *logs)
{
    char fmt[32] = "%", type = 0;
    size_t digits = strspn(spec, "0123456789.");
    if (slen && slen < 20 && digits == slen - 1 && strchr("dfeg", spec[slen - 1])) {
        memcpy(fmt + 1, spec, slen);
        fmt[slen + 1] = '\0';
        type = spec[slen - 1];
    }
    bool is_epoch = nlen == 5 && memcmp(name, "epoch", 5) == 0;
    if (is_epoch) {
        if (!type || type != 'd')
            strcpy(fmt, "%d");
        nncrt_buf_printf(b, fmt, epoch + 1);
        return;
    }
    double v = 0;
    for (int i = 0; i < logs->n; i++)
        if (strlen(logs->names[i]) == nlen && memcmp(logs->names[i], name, nlen) == 0)
            v = logs->v[i];
    if (!type || type == 'd')
        strcpy(fmt, "%.17g");   /* Python's str(float) spelling is close enough for a name */
    nncrt_buf_printf(b, fmt, v);
}

char *nncrt_checkpoint_path(const char *pattern, int epoch, const nncrt_logs *logs)
{
    nncrt_buf b = { 0 };
    nncrt_buf_printf(&b, "%s", "");
    for (const char *p = pattern; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            nncrt_buf_add(&b, p, 1);
            p += 2;
            continue;
        }
        const char *close = p[0] == '{' ? strchr(p, '}') : NULL;
        if (!close) {
            nncrt_buf_add(&b, p++, 1);
            continue;
        }
        const char *colon = memchr(p, ':', (size_t)(close - p));
        const char *name = p + 1, *spec = colon ? colon + 1 : close;
        size_t nlen = (size_t)((colon ? colon : close) - name), slen = (size_t)(close - spec);
        format_field(&b, name, nlen, spec, slen, epoch, logs);
        p = close + 1;
    }
    return b.data;
}
