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

int nncrt_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(nncrt_last_error, sizeof nncrt_last_error, fmt, ap);
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
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fputs("warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
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
