/* main.c — the exported classifier on a Cortex-M4: reads images.bin (raw
 * 8-bit pixels, height x width x channels per image, as many images as it
 * holds) from the host through semihosting, and prints one line per image:
 * its index, the class index, the class name and the probability in
 * thousandths. No printf: the board has no C library I/O. */
#include <stdint.h>

#include "classifier.h"
#include "semihost.h"

#define IN (CLS_H_IN * CLS_W_IN * CLS_C_IN)

static uint8_t pixels[IN];
static float input[CLS_H_IN][CLS_W_IN][CLS_C_IN];

static char *put_uint(char *p, unsigned v)
{
    char tmp[12];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static void print_result(unsigned i, int cls, float p)
{
    char line[96], *q = put_uint(line, i);
    *q++ = ' ';
    q = put_uint(q, (unsigned)cls);
    *q++ = ' ';
    for (const char *s = cls_class_names[cls]; *s && q < line + 80; s++)
        *q++ = *s;
    *q++ = ' ';
    q = put_uint(q, (unsigned)(p * 1000 + 0.5f));
    *q++ = '\n';
    *q = '\0';
    semihost_puts(line);
}

int main(void)
{
    int fd = semihost_open("images.bin");
    if (fd < 0) {
        semihost_puts("error: cannot open images.bin\n");
        return 1;
    }
    float probs[CLS_CLASSES];
    unsigned i = 0;
    while (semihost_read(fd, pixels, IN) == IN) {
        for (int k = 0; k < IN; k++)
            (&input[0][0][0])[k] = pixels[k];
        int cls = cls_predict((const float(*)[CLS_W_IN][CLS_C_IN])input, probs);
        print_result(i++, cls, probs[cls]);
    }
    return i ? 0 : 1;
}
