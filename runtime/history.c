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

void nncrt_history_open_cols(nncrt_history *h, const char *weights_path, const char *header,
                             const char *csv, int keep_epochs)
{
    memset(h, 0, sizeof *h);
    h->path = nncrt_history_path(weights_path);
    h->header = nncrt_xstrdup(header ? header : NNCRT_HISTORY_HEADER);
    if (csv && strncmp(csv, h->header, strlen(h->header)) == 0) {
        const char *rows = csv + strlen(h->header);
        nncrt_buf_add(&h->rows, rows, strlen(rows));
    } else if (keep_epochs > 0) {
        load_rows(h, keep_epochs);
    }
}

void nncrt_history_open(nncrt_history *h, const char *weights_path, const char *csv,
                        int keep_epochs)
{
    nncrt_history_open_cols(h, weights_path, NULL, csv, keep_epochs);
}

/* ",v" with %.8g; NaN as "nan" whatever its sign bit (printf may say "-nan"). */
static void add_value(nncrt_buf *b, double v)
{
    if (isnan(v))
        nncrt_buf_printf(b, ",nan");
    else
        nncrt_buf_printf(b, ",%.8g", v);
}

static void add_row(nncrt_buf *b, int epoch, const double *v, const bool *has, int n)
{
    nncrt_buf_printf(b, "%d", epoch);
    for (int i = 0; i < n; i++) {
        if (has[i])
            add_value(b, v[i]);
        else
            nncrt_buf_add(b, ",", 1);
    }
    nncrt_buf_add(b, "\n", 1);
}

void nncrt_history_add_values(nncrt_history *h, int epoch, const double *v, const bool *has, int n)
{
    add_row(&h->rows, epoch, v, has, n);
}

void nncrt_history_add(nncrt_history *h, int epoch, double loss, double acc, const double *val)
{
    double v[4] = { loss, acc, val ? val[0] : 0, val ? val[1] : 0 };
    bool has[4] = { true, true, val != NULL, val != NULL };
    add_row(&h->rows, epoch, v, has, 4);
}

char *nncrt_history_csv(const nncrt_history *h)
{
    nncrt_buf all = { 0 };
    nncrt_buf_printf(&all, "%s", h->header);
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

typedef struct columns {
    int n;              /* after "epoch" */
    bool *val;          /* [n]: a val_* column */
} columns;

static columns header_columns(const char *header)
{
    columns c = { 0, NULL };
    for (const char *p = header; *p && *p != '\n'; p++)
        c.n += *p == ',';
    c.val = nncrt_xcalloc((size_t)c.n + 1, sizeof *c.val);
    const char *p = strchr(header, ',');
    for (int i = 0; p && i < c.n; i++, p = strchr(p + 1, ','))
        c.val[i] = strncmp(p + 1, "val_", 4) == 0;
    return c;
}

/* Row line[0..len) (no newline) of epoch `epoch`, appended to out as
   add_row writes it. */
static int parse_row(const char *line, size_t len, int epoch, const columns *cols, nncrt_buf *out)
{
    const char *end = line + len, *comma = memchr(line, ',', len);
    char num[16];
    int nl = snprintf(num, sizeof num, "%d", epoch);
    if (!comma || comma - line != nl || memcmp(line, num, (size_t)nl) != 0)
        return -1;
    double *v = nncrt_xcalloc((size_t)cols->n + 1, sizeof *v);
    bool *has = nncrt_xcalloc((size_t)cols->n + 1, sizeof *has);
    int rc = 0, val_given = -1;   /* -1: no val_ column seen yet */
    const char *p = comma + 1;
    for (int i = 0; i < cols->n && rc == 0; i++) {
        const char *next = memchr(p, ',', (size_t)(end - p));
        size_t flen = (size_t)((next ? next : end) - p);
        if ((i + 1 < cols->n) != (next != NULL))
            rc = -1;   /* too few or too many fields */
        else if (cols->val[i] && flen == 0 && val_given != 1)
            val_given = 0;
        else if ((cols->val[i] && val_given == 0) || parse_number(p, flen, &v[i]) != 0)
            rc = -1;
        else if (cols->val[i])
            val_given = 1;
        has[i] = flen > 0;
        p = next ? next + 1 : end;
    }
    if (rc == 0)
        add_row(out, epoch, v, has, cols->n);
    free(v);
    free(has);
    return rc;
}

int nncrt_history_parse_cols(const char *text, const char *header, int epochs, char **csv,
                             char *err, size_t errlen)
{
    size_t hl = strlen(header);
    *csv = NULL;
    if (strncmp(text, header, hl) != 0) {
        snprintf(err, errlen, "does not start with the header line %.*s", (int)hl - 1, header);
        return -1;
    }
    columns cols = header_columns(header);
    nncrt_buf out = { 0 };
    nncrt_buf_add(&out, header, hl);
    const char *p = text + hl;
    int epoch = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        if (epoch == epochs || !nl || parse_row(p, (size_t)(nl - p), epoch + 1, &cols, &out) != 0)
            break;
        epoch++;
        p = nl + 1;
    }
    free(cols.val);
    if (*p || epoch != epochs) {
        if (!*p)
            snprintf(err, errlen, "has %d rows for %d epochs", epoch, epochs);
        else if (epoch == epochs)
            snprintf(err, errlen, "has more rows than the %d epochs", epochs);
        else
            snprintf(err, errlen, "row %d is not a row of epoch %d (%.*s)", epoch + 1, epoch + 1,
                     (int)hl - 1, header);
        nncrt_buf_free(&out);
        return -1;
    }
    *csv = out.data;
    return 0;
}

int nncrt_history_parse(const char *text, int epochs, char **csv, char *err, size_t errlen)
{
    return nncrt_history_parse_cols(text, NNCRT_HISTORY_HEADER, epochs, csv, err, errlen);
}

void nncrt_history_free(nncrt_history *h)
{
    free(h->path);
    free(h->header);
    nncrt_buf_free(&h->rows);
}
