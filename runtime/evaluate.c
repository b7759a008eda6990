/* evaluate.c — loss, accuracy, per-class precision/recall/F1 and the
 * confusion matrix of saved weights on a labelled data set. Folder names
 * are mapped through the class names stored with the weights, so a test
 * folder that lacks a class, or sorts differently, is still labelled right. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fit_logs.h"
#include "json.h"
#include "plot.h"
#include "progress.h"
#include "util.h"
#include "weights.h"

static void print_table(const nncrt_metrics *mt, char *const *names)
{
    int width = 9;   /* "macro avg" */
    for (int c = 0; c < mt->k; c++)
        if ((int)strlen(names[c]) > width)
            width = (int)strlen(names[c]);
    printf("\n%-*s  precision     recall   f1-score    support\n", width, "");
    for (int c = 0; c < mt->k; c++) {
        nncrt_class_stats s = nncrt_metrics_class(mt, c);
        printf("%-*s %10.4f %10.4f %10.4f %10lld\n", width, names[c], s.precision, s.recall,
               s.f1, (long long)s.support);
    }
    nncrt_class_stats a = nncrt_metrics_macro(mt);
    printf("\n%-*s %10.4f %10.4f %10.4f %10lld\n", width, "macro avg", a.precision, a.recall,
           a.f1, (long long)a.support);
}

static void print_confusion(const nncrt_metrics *mt, char *const *names)
{
    int width = 1;
    for (int c = 0; c < mt->k; c++)
        if ((int)strlen(names[c]) > width)
            width = (int)strlen(names[c]);
    int cell = 6;   /* room for counts up to 99999 */
    for (int64_t v = mt->n; v >= 100000; v /= 10)
        cell++;
    printf("\nConfusion matrix (rows: true class, columns: predicted class index):\n");
    printf("%*s", width + 5, "");
    for (int c = 0; c < mt->k; c++)
        printf("%*d", cell, c);
    putchar('\n');
    for (int t = 0; t < mt->k; t++) {
        printf("%*d %-*s", 4, t, width, names[t]);
        for (int p = 0; p < mt->k; p++)
            printf("%*lld", cell, (long long)mt->confusion[(size_t)t * (size_t)mt->k + (size_t)p]);
        putchar('\n');
    }
}

/* names: the class names as printed, control bytes escaped (util.h). */
static void print_plain(const nncrt_model *m, const nncrt_metrics *mt, char *const *names)
{
    nncrt_logs l;   /* loss, accuracy and the spec's metrics, as fit's line */
    nncrt_logs_init(&l, m);
    nncrt_logs_fill(&l, m, mt, NULL, 0);
    int all = l.n;
    l.n = l.per_set;   /* no val_ twins or learning rate here */
    printf("%lld samples", (long long)mt->n);
    nncrt_logs_print(&l, 0, stdout);
    putchar('\n');
    l.n = all;
    nncrt_logs_free(&l);
    char **shown = nncrt_xcalloc((size_t)mt->k + 1, sizeof *shown);   /* folder names: escaped */
    for (int c = 0; c < mt->k; c++)
        shown[c] = nncrt_escape(names[c]);
    print_table(mt, shown);
    print_confusion(mt, shown);
    nncrt_strv_free(shown, (size_t)mt->k);
}

static void json_class(const nncrt_metrics *mt, int c, const char *name)
{
    nncrt_class_stats s = nncrt_metrics_class(mt, c);
    fputs("{\"class\":", stdout);
    nncrt_json_fstr(stdout, name);
    fputs(",\"precision\":", stdout);
    nncrt_json_fnum(stdout, s.precision);
    fputs(",\"recall\":", stdout);
    nncrt_json_fnum(stdout, s.recall);
    fputs(",\"f1\":", stdout);
    nncrt_json_fnum(stdout, s.f1);
    printf(",\"support\":%lld}", (long long)s.support);
}

static void json_field(const char *name, double v)
{
    printf(",\"%s\":", name);
    nncrt_json_fnum(stdout, v);
}

/* The spec's metrics: as fit names them (fit_logs.h): "metrics":{...}. */
static void json_spec_metrics(const nncrt_model *m, const nncrt_metrics *mt)
{
    nncrt_logs l;
    nncrt_logs_init(&l, m);
    nncrt_logs_set(m, mt, l.v);
    fputs(",\"metrics\":{", stdout);
    for (int i = 0; i < l.per_set; i++) {
        printf(i ? ",\"%s\":" : "\"%s\":", l.names[i]);
        nncrt_json_fnum(stdout, l.v[i]);
    }
    putchar('}');
    nncrt_logs_free(&l);
}

static void print_json(const nncrt_model *m, const nncrt_metrics *mt, char *const *names,
                       const char *weights, const char *data)
{
    nncrt_class_stats a = nncrt_metrics_macro(mt);
    fputs("{\"weights\":", stdout);
    nncrt_json_fstr(stdout, weights);
    fputs(",\"data\":", stdout);
    nncrt_json_fstr(stdout, data);
    printf(",\"samples\":%lld", (long long)mt->n);
    json_field("loss", nncrt_metrics_loss(mt));
    json_field("accuracy", nncrt_metrics_accuracy(mt));
    json_field("precision_macro", a.precision);
    json_field("recall_macro", a.recall);
    json_field("f1_macro", a.f1);
    json_spec_metrics(m, mt);
    fputs(",\"per_class\":[", stdout);
    for (int c = 0; c < mt->k; c++) {
        if (c)
            putchar(',');
        json_class(mt, c, names[c]);
    }
    fputs("],\"confusion\":[", stdout);
    for (int t = 0; t < mt->k; t++) {
        fputs(t ? ",[" : "[", stdout);
        for (int p = 0; p < mt->k; p++)
            printf(p ? ",%lld" : "%lld", (long long)mt->confusion[(size_t)t * (size_t)mt->k + (size_t)p]);
        putchar(']');
    }
    puts("]}");
}

static int evaluate(const nncrt_model *m, const nncrt_opts *o, const char *weights, const char *data)
{
    nncrt_weights_meta meta;
    if (nncrt_weights_load(m, weights, false, &meta) != 0)
        return 1;
    /* stdout carries exactly one JSON object with --json: chatter goes to stderr. */
    nncrt_data_opts d = nncrt_model_data_opts(m, meta.class_names, meta.num_class_names,
                                              o->limit, o->json ? stderr : stdout);
    d.strict = o->strict, d.cache = o->cache;
    nncrt_dataset ds;
    int rc = 1;
    if (nncrt_load_dataset(m, &ds, data, o->data ? NULL : "data.validation", "--data", &d) == 0) {
        nncrt_batch b;
        nncrt_metrics mt;
        size_t *idx = nncrt_xmalloc_array(ds.n, sizeof *idx);
        for (size_t i = 0; i < ds.n; i++)
            idx[i] = i;
        nncrt_batch_alloc(&b, m);
        nncrt_metrics_init(&mt, m->num_classes);
        nncrt_metrics_from_model(&mt, m);
        nncrt_eval_indices(m, &ds, idx, ds.n, &b, &mt);
        if (o->json)
            print_json(m, &mt, meta.class_names, weights, data);
        else
            print_plain(m, &mt, meta.class_names);
        rc = 0;
        if (o->plot && nncrt_plot_confusion(&mt, meta.class_names, o->plot) != 0)
            rc = 1;
        nncrt_metrics_free(&mt);
        nncrt_batch_free(&b);
        free(idx);
        nncrt_dataset_free(&ds);
    }
    nncrt_weights_meta_free(&meta);
    return rc;
}

int nncrt_cmd_evaluate(const nncrt_model *m, const nncrt_opts *o)
{
    const char *data = o->data ? o->data : m->data_validation;
    if (!data) {
        nncrt_error("evaluate: no data: pass --data PATH (the spec has no data.validation)");
        return 2;
    }
    char *weights = o->weights ? nncrt_xstrdup(o->weights) : nncrt_default_weights_path(m);
    int rc = evaluate(m, o, weights, data);
    free(weights);
    return rc;
}
