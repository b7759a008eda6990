/* history.c — history CSV. */
#include "history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

#define HEADER "epoch,loss,accuracy,val_loss,val_accuracy\n"

char *nncrt_history_path(const char *weights_path)
{
    nncrt_buf b = { 0 };
    size_t n = strlen(weights_path);
    if (nncrt_has_suffix_ci(weights_path, ".safetensors"))
        n -= strlen(".safetensors");
    nncrt_buf_add(&b, weights_path, n);
    nncrt_buf_printf(&b, ".history.csv");
    return b.data;
}

/* Keeps the rows of epochs 1..keep from an existing history file. */
static void load_rows(nncrt_history *h, int keep)
{
    FILE *f = fopen(h->path, "r");
    if (!f)
        return;   /* no history yet: nothing to keep */
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *end;
        long epoch = strtol(line, &end, 10);
        if (end != line && *end == ',' && epoch >= 1 && epoch <= keep)
            nncrt_buf_add(&h->rows, line, strlen(line));
    }
    free(line);
    fclose(f);
}

void nncrt_history_open(nncrt_history *h, const char *weights_path, int keep_epochs)
{
    memset(h, 0, sizeof *h);
    h->path = nncrt_history_path(weights_path);
    if (keep_epochs > 0)
        load_rows(h, keep_epochs);
}

/* ",v" with %.8g; NaN as "nan" whatever its sign bit (printf may say "-nan"). */
static void add_value(nncrt_buf *b, double v)
{
    if (isnan(v))
        nncrt_buf_printf(b, ",nan");
    else
        nncrt_buf_printf(b, ",%.8g", v);
}

int nncrt_history_add(nncrt_history *h, int epoch, double loss, double acc, const double *val)
{
    nncrt_buf_printf(&h->rows, "%d", epoch);
    add_value(&h->rows, loss);
    add_value(&h->rows, acc);
    if (val) {
        add_value(&h->rows, val[0]);
        add_value(&h->rows, val[1]);
        nncrt_buf_add(&h->rows, "\n", 1);
    } else {
        nncrt_buf_printf(&h->rows, ",,\n");
    }
    nncrt_buf all = { 0 };
    nncrt_buf_printf(&all, "%s", HEADER);
    nncrt_buf_add(&all, h->rows.data, h->rows.len);
    int rc = nncrt_write_file_atomic(h->path, all.data, all.len);
    nncrt_buf_free(&all);
    return rc;
}

void nncrt_history_free(nncrt_history *h)
{
    free(h->path);
    nncrt_buf_free(&h->rows);
}
