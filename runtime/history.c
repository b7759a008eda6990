/* history.c — history CSV, and its record in the weights file. */
#include "history.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

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

void nncrt_history_open(nncrt_history *h, const char *weights_path, const char *csv,
                        int keep_epochs)
{
    memset(h, 0, sizeof *h);
    h->path = nncrt_history_path(weights_path);
    if (csv && strncmp(csv, NNCRT_HISTORY_HEADER, strlen(NNCRT_HISTORY_HEADER)) == 0) {
        const char *rows = csv + strlen(NNCRT_HISTORY_HEADER);
        nncrt_buf_add(&h->rows, rows, strlen(rows));
    } else if (keep_epochs > 0) {
        load_rows(h, keep_epochs);
    }
}

/* ",v" with %.8g; NaN as "nan" whatever its sign bit (printf may say "-nan"). */
static void add_value(nncrt_buf *b, double v)
{
    if (isnan(v))
        nncrt_buf_printf(b, ",nan");
    else
        nncrt_buf_printf(b, ",%.8g", v);
}

/* lr: NAN for a row of a record without the column (written empty). */
static void add_row(nncrt_buf *b, int epoch, double loss, double acc, const double *val,
                    double lr)
{
    nncrt_buf_printf(b, "%d", epoch);
    add_value(b, loss);
    add_value(b, acc);
    if (val) {
        add_value(b, val[0]);
        add_value(b, val[1]);
    } else {
        nncrt_buf_printf(b, ",,");
    }
    if (isnan(lr))
        nncrt_buf_add(b, ",", 1);
    else
        nncrt_buf_printf(b, ",%.8g", lr);
    nncrt_buf_add(b, "\n", 1);
}

void nncrt_history_add(nncrt_history *h, int epoch, double loss, double acc, const double *val,
                       double lr)
{
    add_row(&h->rows, epoch, loss, acc, val, lr);
}

char *nncrt_history_csv(const nncrt_history *h)
{
    nncrt_buf all = { 0 };
    nncrt_buf_printf(&all, "%s", NNCRT_HISTORY_HEADER);
    nncrt_buf_add(&all, h->rows.data, h->rows.len);
    return all.data;
}

int nncrt_history_write(const nncrt_history *h)
{
    char *csv = nncrt_history_csv(h);
    int rc = nncrt_write_file_atomic(h->path, csv, strlen(csv));
    free(csv);
    return rc;
}

/* A whole field s[0..n) as a number ("nan" and "inf" included). */
static int parse_number(const char *s, size_t n, double *v)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof buf || isspace((unsigned char)s[0]))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *v = strtod(buf, &end);
    return *end ? -1 : 0;
}

/* Row line[0..len) (no newline) of epoch `epoch`, appended to out as
   add_row writes it. */
static int parse_row(const char *line, size_t len, int epoch, size_t nf, nncrt_buf *out)
{
    const char *field[6];
    size_t flen[6], k = 0;
    for (const char *p = line, *end = line + len; k < nf; k++) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        field[k] = p;
        flen[k] = (size_t)((comma ? comma : end) - p);
        if (!comma) {
            k++;
            break;
        }
        p = comma + 1;
    }
    char num[16];
    int nl = snprintf(num, sizeof num, "%d", epoch);
    if (k != nf || field[nf - 1] + flen[nf - 1] != line + len || flen[0] != (size_t)nl ||
        memcmp(field[0], num, flen[0]) != 0)
        return -1;
    double loss, acc, val[2], lr = NAN;
    bool has_val = flen[3] || flen[4];
    if (parse_number(field[1], flen[1], &loss) != 0 || parse_number(field[2], flen[2], &acc) != 0 ||
        (has_val && (parse_number(field[3], flen[3], &val[0]) != 0 ||
                     parse_number(field[4], flen[4], &val[1]) != 0)) ||
        (nf == 6 && flen[5] && parse_number(field[5], flen[5], &lr) != 0))
        return -1;
    add_row(out, epoch, loss, acc, has_val ? val : NULL, lr);
    return 0;
}

int nncrt_history_parse(const char *text, int epochs, char **csv, char *err, size_t errlen)
{
    size_t hl = strlen(NNCRT_HISTORY_HEADER), nf = 6;
    *csv = NULL;
    if (strncmp(text, NNCRT_HISTORY_HEADER_V1, strlen(NNCRT_HISTORY_HEADER_V1)) == 0)
        hl = strlen(NNCRT_HISTORY_HEADER_V1), nf = 5;
    else if (strncmp(text, NNCRT_HISTORY_HEADER, hl) != 0) {
        snprintf(err, errlen, "does not start with the header line %.*s", (int)hl - 1,
                 NNCRT_HISTORY_HEADER);
        return -1;
    }
    nncrt_buf out = { 0 };
    nncrt_buf_add(&out, NNCRT_HISTORY_HEADER, strlen(NNCRT_HISTORY_HEADER));
    const char *p = text + hl;
    int epoch = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        if (epoch == epochs || !nl || parse_row(p, (size_t)(nl - p), epoch + 1, nf, &out) != 0)
            break;
        epoch++;
        p = nl + 1;
    }
    if (*p || epoch != epochs) {
        if (!*p)
            snprintf(err, errlen, "has %d rows for %d epochs", epoch, epochs);
        else if (epoch == epochs)
            snprintf(err, errlen, "has more rows than the %d epochs", epochs);
        else
            snprintf(err, errlen, "row %d is not a row of epoch %d (epoch,loss,accuracy,"
                     "val_loss,val_accuracy%s)", epoch + 1, epoch + 1, nf == 6 ? ",learning_rate" : "");
        nncrt_buf_free(&out);
        return -1;
    }
    *csv = out.data;
    return 0;
}

void nncrt_history_free(nncrt_history *h)
{
    free(h->path);
    nncrt_buf_free(&h->rows);
}
