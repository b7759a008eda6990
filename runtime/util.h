/* util.h — small helpers shared by every part of libnncrt: allocation that
 * cannot return NULL, error/warning reporting, overflow-checked sizes, a
 * growable byte buffer. */
#ifndef NNCRT_UTIL_H
#define NNCRT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NNCRT_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Out of memory is not recoverable in a trainer: these print and exit(1). */
void *nncrt_xmalloc(size_t n);
void *nncrt_xcalloc(size_t count, size_t size);
void *nncrt_xrealloc(void *p, size_t n);
void *nncrt_xmalloc_array(size_t count, size_t size);   /* count*size, checked */
char *nncrt_xstrdup(const char *s);

/* User text in output: control bytes as \xNN, '\\' doubled. nncrt_escape_to
 * writes at most cap bytes (NUL included) and returns the escaped length;
 * nncrt_escape returns a malloc'd copy. nncrt_error and nncrt_warn escape
 * their whole message; printf of a name to stdout goes through these. */
size_t nncrt_escape_to(char *out, size_t cap, const char *s);
char *nncrt_escape(const char *s);
void nncrt_fputs_escaped(const char *s, FILE *f);

/* Prints "error: <msg>" to stderr (unless nncrt_quiet) and keeps the text in
 * nncrt_last_error so tests can check what the user would have seen.
 * Always returns -1 so callers can write `return nncrt_error(...)`. */
int nncrt_error(const char *fmt, ...) NNCRT_PRINTF(1, 2);
void nncrt_warn(const char *fmt, ...) NNCRT_PRINTF(1, 2);
extern char nncrt_last_error[1024];
extern bool nncrt_quiet;

/* a*b without wrapping; returns false on overflow. */
bool nncrt_size_mul(size_t a, size_t b, size_t *out);
double nncrt_now(void);   /* monotonic seconds */

/* Growable byte buffer, always NUL-terminated when non-empty. */
typedef struct nncrt_buf {
    char *data;
    size_t len, cap;
} nncrt_buf;
void nncrt_buf_add(nncrt_buf *b, const void *p, size_t n);
void nncrt_buf_printf(nncrt_buf *b, const char *fmt, ...) NNCRT_PRINTF(2, 3);
void nncrt_buf_free(nncrt_buf *b);

void nncrt_strv_free(char **v, size_t n);   /* frees v[0..n) and v */
bool nncrt_has_suffix_ci(const char *s, const char *suffix);

#endif
