/* util.c — allocation that cannot return NULL, a growable string, file reading. */
#include "nnc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void nnc_internal_error(const char *file, int line)
{
    fprintf(stderr, "nnc: internal error at %s:%d (please report)\n", file, line);
    abort();
}

static void *check(void *p)
{
    if (!p) {
        fprintf(stderr, "nnc: out of memory\n");
        exit(1);
    }
    return p;
}

void *xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }
char *xstrdup(const char *s) { return check(strdup(s)); }

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    return check(r < 0 ? NULL : s);
}

static void sb_reserve(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 4096;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    sb->data = xrealloc(sb->data, cap);
    sb->cap = cap;
}

void sb_puts(strbuf *sb, const char *s)
{
    size_t n = strlen(s);
    sb_reserve(sb, n);
    memcpy(sb->data + sb->len, s, n + 1);
    sb->len += n;
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        unreachable();
    sb_reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_free(strbuf *sb)
{
    free(sb->data);
    memset(sb, 0, sizeof *sb);
}

/* A regular file of at most MAX bytes, read whole. Anything else is refused
 * before reading: a FIFO without blocking on open (O_NONBLOCK), a device such
 * as /dev/zero without reading it, a larger file by its size. NULL with a
 * reason in *why (static text, or "%m" for errno). */
char *read_small_file(const char *path, size_t max, size_t *len, const char **why)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    *why = "%m";
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    *why = S_ISDIR(st.st_mode)   ? "it is a directory"
           : S_ISFIFO(st.st_mode) ? "it is a FIFO, not a regular file"
           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "it is a device, not a regular file"
           : !S_ISREG(st.st_mode) ? "it is not a regular file"
           : (uintmax_t)st.st_size > max ? "it is larger than the limit"
                                         : NULL;
    if (*why) {
        close(fd);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t n = 0;
    ssize_t r;
    while (n <= max && (r = read(fd, buf + n, (size_t)st.st_size + 1 - n)) > 0) /* +1: growth */
        if ((n += (size_t)r) > (size_t)st.st_size)
            break;
    int err = r < 0 ? errno : 0;
    close(fd);
    if (err || n > (size_t)st.st_size) {
        free(buf);
        errno = err ? err : EIO;
        *why = err ? "%m" : "it changed while it was read";
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
