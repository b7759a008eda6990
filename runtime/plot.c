/* plot.c — line charts of the history and the confusion-matrix heat map,
 * drawn with cairo (its toy text API: class names are only ever text). */
#include "plot.h"

#include <cairo/cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct series {
    char name[64];
    double *v;      /* [n]; NAN where the history has no value */
} series;

typedef struct table {
    int n, cols;    /* rows, columns after epoch */
    series *s;
} table;

static void table_free(table *t)
{
    for (int c = 0; c < t->cols; c++)
        free(t->s[c].v);
    free(t->s);
}

static int parse_csv(const char *csv, table *t)
{
    memset(t, 0, sizeof *t);
    const char *nl = strchr(csv, '\n');
    if (!nl || strncmp(csv, "epoch,", 6) != 0)
        return -1;
    for (const char *p = csv; p < nl; p++)
        t->cols += *p == ',';
    for (const char *p = nl + 1; *p; p++)
        t->n += *p == '\n';
    t->s = nncrt_xcalloc((size_t)t->cols, sizeof *t->s);
    const char *p = csv + 6;
    for (int c = 0; c < t->cols; c++) {
        size_t len = strcspn(p, ",\n");
        snprintf(t->s[c].name, sizeof t->s[c].name, "%.*s", (int)len, p);
        p += len + 1;
        t->s[c].v = nncrt_xcalloc((size_t)t->n + 1, sizeof(double));
    }
    p = nl + 1;
    for (int r = 0; r < t->n; r++) {
        p += strcspn(p, ",\n");
        for (int c = 0; c < t->cols; c++) {
            if (*p == ',')
                p++;
            char *end;
            double v = strtod(p, &end);
            t->s[c].v[r] = end == p ? NAN : v;
            p = end + strcspn(end, ",\n");
        }
        if (*p == '\n')
            p++;
    }
    return 0;
}

static const series *find(const table *t, const char *name)
{
    for (int c = 0; c < t->cols; c++)
        if (strcmp(t->s[c].name, name) == 0)
            return &t->s[c];
    return NULL;
}

/* One panel at (x, y, w, h): the training series a and validation b. */
static void panel(cairo_t *cr, double x, double y, double w, double h, const char *title,
                  const series *a, const series *b, int n)
{
    double lo = INFINITY, hi = -INFINITY;
    const series *both[2] = { a, b };
    for (int k = 0; k < 2; k++)
        for (int i = 0; both[k] && i < n; i++)
            if (isfinite(both[k]->v[i]))
                lo = fmin(lo, both[k]->v[i]), hi = fmax(hi, both[k]->v[i]);
    double px = x + 70, py = y + 40, pw = w - 90, ph = h - 90;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 16);
    cairo_move_to(cr, x + 70, y + 24);
    cairo_show_text(cr, title);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, px, py, pw, ph);
    cairo_stroke(cr);
    if (!(lo <= hi)) {
        cairo_move_to(cr, px + 10, py + 20);
        cairo_show_text(cr, "no values");
        return;
    }
    if (hi - lo < 1e-12 * fmax(1, fabs(hi)))
        lo -= 0.5 * fmax(fabs(lo), 1e-3), hi += 0.5 * fmax(fabs(hi), 1e-3);
    cairo_set_font_size(cr, 11);
    char lab[32];
    for (int t = 0; t <= 4; t++) {   /* y ticks */
        double v = lo + (hi - lo) * t / 4, yy = py + ph - ph * t / 4;
        snprintf(lab, sizeof lab, "%.4g", v);
        cairo_move_to(cr, px - 62, yy + 4);
        cairo_show_text(cr, lab);
        cairo_move_to(cr, px - 4, yy);
        cairo_line_to(cr, px, yy);
        cairo_stroke(cr);
    }
    int step = n > 10 ? (n + 9) / 10 : 1;
    for (int i = 0; i < n; i += step) {   /* epochs from 1 */
        double xx = n > 1 ? px + pw * i / (n - 1) : px + pw / 2;
        snprintf(lab, sizeof lab, "%d", i + 1);
        cairo_move_to(cr, xx - 4, py + ph + 16);
        cairo_show_text(cr, lab);
    }
    cairo_move_to(cr, px + pw / 2 - 20, py + ph + 34);
    cairo_show_text(cr, "epoch");
    static const double color[2][3] = { { 0.12, 0.47, 0.71 }, { 1.0, 0.50, 0.05 } };
    for (int k = 0; k < 2; k++) {
        if (!both[k])
            continue;
        cairo_set_source_rgb(cr, color[k][0], color[k][1], color[k][2]);
        cairo_set_line_width(cr, 2);
        int drawn = 0;
        for (int i = 0; i < n; i++) {
            double v = both[k]->v[i];
            if (!isfinite(v))
                continue;
            double xx = n > 1 ? px + pw * i / (n - 1) : px + pw / 2;
            double yy = py + ph - ph * (v - lo) / (hi - lo);
            if (drawn++)
                cairo_line_to(cr, xx, yy);
            else
                cairo_move_to(cr, xx, yy);
            cairo_arc(cr, xx, yy, 2.5, 0, 2 * M_PI);
            cairo_move_to(cr, xx, yy);
        }
        cairo_stroke(cr);
        cairo_move_to(cr, px + pw - 150, py + 18 + 16 * k);
        cairo_show_text(cr, both[k]->name);
    }
}

static int write_png(cairo_surface_t *s, const char *path)
{
    cairo_status_t st = cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
    /* cairo's and fontconfig's caches: freed, so a leak checker sees only ours */
    cairo_debug_reset_static_data();
    FcFini();
    if (st != CAIRO_STATUS_SUCCESS)
        return nncrt_error("%s: cannot write the PNG: %s", path, cairo_status_to_string(st));
    return 0;
}

int nncrt_plot_history(const char *csv, const char *png_path)
{
    table t;
    if (parse_csv(csv, &t) != 0)
        return nncrt_error("the history is not a CSV with an epoch column");
    int w = NNCRT_PLOT_HISTORY_W, h = NNCRT_PLOT_HISTORY_H;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    panel(cr, 0, 0, w / 3.0, h, "loss", find(&t, "loss"), find(&t, "val_loss"), t.n);
    panel(cr, w / 3.0, 0, w / 3.0, h, "accuracy", find(&t, "accuracy"), find(&t, "val_accuracy"), t.n);
    const series *lr = find(&t, "learning_rate");
    panel(cr, 2 * w / 3.0, 0, w / 3.0, h, lr ? "learning rate" : "learning rate (not in the history)",
          lr, NULL, t.n);
    cairo_destroy(cr);
    table_free(&t);
    return write_png(s, png_path);
}

int nncrt_plot_confusion_size(int k)
{
    int cell = k <= 20 ? 48 : k <= 60 ? 20 : 8;
    return 200 + cell * k;
}

/* Printable ASCII only, so cairo gets valid UTF-8 whatever the name holds. */
static void label(char *out, size_t len, const char *name)
{
    size_t j = 0;
    for (size_t i = 0; name[i] && j + 1 < len && i < 24; i++)
        out[j++] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
    out[j] = '\0';
}

int nncrt_plot_confusion(const nncrt_metrics *mt, char *const *names, const char *png_path)
{
    int k = mt->k, size = nncrt_plot_confusion_size(k), cell = (size - 200) / k;
    double x0 = 170, y0 = 60;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    char buf[64];
    for (int t = 0; t < k; t++) {
        int64_t row = 0;
        for (int p = 0; p < k; p++)
            row += mt->confusion[(size_t)t * (size_t)k + (size_t)p];
        for (int p = 0; p < k; p++) {
            int64_t v = mt->confusion[(size_t)t * (size_t)k + (size_t)p];
            double f = row ? (double)v / (double)row : 0;   /* a row's share: recall on the diagonal */
            cairo_set_source_rgb(cr, 1 - 0.85 * f, 1 - 0.6 * f, 1 - 0.25 * f);
            cairo_rectangle(cr, x0 + p * cell, y0 + t * cell, cell, cell);
            cairo_fill(cr);
            if (cell >= 20) {
                snprintf(buf, sizeof buf, "%lld", (long long)v);
                cairo_set_source_rgb(cr, f > 0.5 ? 1 : 0, f > 0.5 ? 1 : 0, f > 0.5 ? 1 : 0);
                cairo_set_font_size(cr, cell >= 48 ? 12 : 8);
                cairo_move_to(cr, x0 + p * cell + 4, y0 + t * cell + cell / 2.0 + 4);
                cairo_show_text(cr, buf);
            }
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, cell >= 20 ? 12 : 7);
    for (int c = 0; c < k && cell >= 8; c++) {
        label(buf, sizeof buf, names[c]);
        cairo_move_to(cr, 8, y0 + c * cell + cell / 2.0 + 4);   /* rows: true class */
        cairo_show_text(cr, buf);
        cairo_save(cr);   /* columns: predicted class, written downwards */
        cairo_move_to(cr, x0 + c * cell + cell / 2.0 - 4, y0 + k * cell + 6);
        cairo_rotate(cr, M_PI / 2);
        cairo_show_text(cr, buf);
        cairo_restore(cr);
    }
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, x0, 30);
    cairo_show_text(cr, "confusion matrix: rows true class, columns predicted");
    cairo_destroy(cr);
    return write_png(s, png_path);
}
