/* semihost.c — ARM semihosting: the debugger (here QEMU, -semihosting) does
 * the I/O. A BKPT 0xAB with the operation in r0 and its argument block in r1. */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

static int call(int op, const void *args)
{
    register int r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = args;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semihost_puts(const char *s)
{
    call(0x04, s); /* SYS_WRITE0 */
}

int semihost_open(const char *path)
{
    uint32_t a[3] = {(uint32_t)(uintptr_t)path, 1 /* "rb" */, (uint32_t)strlen(path)};
    return call(0x01, a); /* SYS_OPEN */
}

/* Bytes read, or -1. */
long semihost_read(int fd, void *buf, unsigned long len)
{
    uint32_t a[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    int left = call(0x06, a); /* SYS_READ: returns the bytes not read */
    return left < 0 || (unsigned long)left > len ? -1 : (long)(len - (unsigned long)left);
}

void semihost_exit(int code)
{
    /* SYS_EXIT_EXTENDED: ADP_Stopped_ApplicationExit and the exit code, which
     * QEMU returns as its own */
    uint32_t a[2] = {0x20026, (uint32_t)code};
    call(0x20, a);
    for (;;)
        ;
}
