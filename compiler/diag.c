/* diag.c — user-facing errors: file:line:col, the offending source line and a
 * caret under the column, plus "did you mean" suggestions. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

static char *src_file, *src_text; /* copies: messages may quote them after the spec is freed */
static int nerrors;

void diag_set_source(const char *file, const char *text, size_t len)
{
    free(src_file), free(src_text);
    src_file = file ? xstrdup(file) : NULL;
    src_text = NULL;
    if (text) {
        src_text = xmalloc(len + 1);
        memcpy(src_text, text, len);
        src_text[len] = '\0';
    }
}

int diag_errors(void) { return nerrors; }
void diag_reset(void)
{
    diag_set_source(NULL, NULL, 0);
    nerrors = 0;
}

/* Prints line LINE of the current source and a caret under COL. */
static void show_line(nnc_loc loc)
{
    if (!src_text || !loc.file || !src_file || strcmp(loc.file, src_file) != 0 || loc.line < 1)
        return;
    const char *p = src_text;
    for (int l = 1; l < loc.line && *p; p++)
        if (*p == '\n')
            l++;
    const char *end = strchr(p, '\n');
    int len = end ? (int)(end - p) : (int)strlen(p);
    /* control bytes show as '?': the terminal must not act on them, and the
     * caret below stays in its column */
    fprintf(stderr, "%5d | ", loc.line);
    for (int i = 0; i < len; i++)
        fputc((unsigned char)p[i] < 0x20 && p[i] != '\t' ? '?' : p[i] == 0x7f ? '?' : p[i], stderr);
    fputs("\n      | ", stderr);
    for (int i = 1; i < loc.col && i <= len; i++)
        fputc(p[i - 1] == '\t' ? '\t' : ' ', stderr);
    fputs("^\n", stderr);
}

/* Control bytes in a message (a path, a name, a value from the spec) print as
 * \xNN: text from a file must not clear the terminal or forge a line. */
void diag_put_escaped(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
}

static void report(nnc_loc loc, const char *kind, const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    if (loc.file) {
        diag_put_escaped(stderr, loc.file);
        if (loc.line > 0)
            fprintf(stderr, ":%d:%d", loc.line, loc.col);
        fprintf(stderr, ": %s: ", kind);
    } else {
        fprintf(stderr, "nnc: %s: ", kind);
    }
    diag_put_escaped(stderr, msg ? msg : fmt);
    fputc('\n', stderr);
    free(msg);
    show_line(loc);
}

void diag_error(nnc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(loc, "error", fmt, ap);
    va_end(ap);
    nerrors++;
}

void diag_note(nnc_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(loc, "note", fmt, ap);
    va_end(ap);
}

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *diag_closest(const char *word, const char *const *candidates, int n)
{
    const char *best = NULL;
    int best_d = 99;
    int limit = strlen(word) <= 4 ? 1 : (int)strlen(word) / 3 + 1;
    for (int i = 0; i < n && candidates[i]; i++) {
        int d = edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
