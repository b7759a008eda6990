/* util.c — allocation, error reporting and small shared helpers. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

char nncrt_last_error[1024];
bool nncrt_quiet;

static void out_of_memory(size_t n)
{
    fprintf(stderr, "error: out of memory (allocating %zu bytes)\n", n);
    exit(1);
}

void *nncrt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *nncrt_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *nncrt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

void *nncrt_xmalloc_array(size_t count, size_t size)
{
    size_t n;
    if (!nncrt_size_mul(count, size, &n))
        out_of_memory(SIZE_MAX);
    return nncrt_xmalloc(n);
}

char *nncrt_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(nncrt_xmalloc(n), s, n);
}

/* Messages name files and classes the user (or a hostile file) chose: a
 * control character in one could clear the terminal or start a forged
 * "error:" line. Control bytes (and DEL) print as \xNN, a backslash as \\;
 * other bytes (UTF-8 names) as they are. */
size_t nncrt_escape_to(char *out, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char tmp[4] = {(char)*p};
        size_t k = 1;
        if (*p < 0x20 || *p == 0x7f)
            tmp[0] = '\\', tmp[1] = 'x', tmp[2] = hex[*p >> 4], tmp[3] = hex[*p & 15], k = 4;
        else if (*p == '\\')
            tmp[1] = '\\', k = 2;
        for (size_t i = 0; i < k; i++, n++)
            if (n + 1 < cap)
                out[n] = tmp[i];
    }
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}

char *nncrt_escape(const char *s)
{
    size_t n = nncrt_escape_to(NULL, 0, s);
    char *out = nncrt_xmalloc(n + 1);
    nncrt_escape_to(out, n + 1, s);
    return out;
}

void nncrt_fputs_escaped(const char *s, FILE *f)
{
    char *e = nncrt_escape(s);
    fputs(e, f);
    free(e);
}

/* The whole message is escaped, so no caller can forget an argument. */
static void vmessage(char *out, size_t cap, const char *fmt, va_list ap)
{
    char raw[4096];
    vsnprintf(raw, sizeof raw, fmt, ap);
    nncrt_escape_to(out, cap, raw);
}

int nncrt_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(nncrt_last_error, sizeof nncrt_last_error, fmt, ap);
    va_end(ap);
    if (!nncrt_quiet) {
        fflush(stdout);   /* keep stdout lines before the error in a shared log */
        fprintf(stderr, "error: %s\n", nncrt_last_error);
    }
    return -1;
}

void nncrt_warn(const char *fmt, ...)
{
    if (nncrt_quiet)
        return;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vmessage(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "warning: %s\n", msg);
}

bool nncrt_size_mul(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
}

double nncrt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nncrt_buf_add(nncrt_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = nncrt_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n > 0)   /* p may be NULL with n 0 (an empty part), which memcpy may not take */
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void nncrt_buf_printf(nncrt_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        nncrt_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = nncrt_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    nncrt_buf_add(b, big, (size_t)n);
    free(big);
}

void nncrt_buf_free(nncrt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void nncrt_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

bool nncrt_has_suffix_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}
