/* semihost_host.c — examples/embed/cortex-m/semihost.h on the host, with
 * stdio, so the Cortex-M example's main.c runs here too and its output can
 * be compared line by line with the emulated board's. One file at a time. */
#include <stdio.h>
#include <stdlib.h>

#include "semihost.h"

static FILE *file;

void semihost_puts(const char *s) { fputs(s, stdout); }

int semihost_open(const char *path)
{
    file = fopen(path, "rb");
    return file ? 0 : -1;
}

long semihost_read(int fd, void *buf, unsigned long len)
{
    return fd == 0 && file ? (long)fread(buf, 1, len, file) : -1;
}

void semihost_exit(int code) { exit(code); }
