/* semihost.h — output, input files and exit through ARM semihosting. */
#ifndef SEMIHOST_H
#define SEMIHOST_H

void semihost_puts(const char *s);
int semihost_open(const char *path); /* read-only; -1 on error */
long semihost_read(int fd, void *buf, unsigned long len);
void semihost_exit(int code);

#endif
