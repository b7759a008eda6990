/* json_out.c — writing JSON strings and numbers. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at s, or 0 if it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    else if ((s[0] & 0xE0) == 0xC0)
        n = 2, cp = s[0] & 0x1F;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3, cp = s[0] & 0x0F;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;   /* overlong, out of range, or a surrogate */
    return n;
}

static void escape_byte(nncrt_buf *b, unsigned char c)
{
    switch (c) {
    case '"': nncrt_buf_add(b, "\\\"", 2); break;
    case '\\': nncrt_buf_add(b, "\\\\", 2); break;
    case '\n': nncrt_buf_add(b, "\\n", 2); break;
    case '\r': nncrt_buf_add(b, "\\r", 2); break;
    case '\t': nncrt_buf_add(b, "\\t", 2); break;
    default:
        if (c < 0x20 || c == 0x7F)
            nncrt_buf_printf(b, "\\u%04x", c);
        else
            nncrt_buf_add(b, &c, 1);
    }
}

void nncrt_json_str(nncrt_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    nncrt_buf_add(b, "\"", 1);
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 1)
            escape_byte(b, *p);
        else if (n > 1)
            nncrt_buf_add(b, p, n);
        else
            nncrt_buf_add(b, "\\ufffd", 6);
        p += n ? n : 1;
    }
    nncrt_buf_add(b, "\"", 1);
}

void nncrt_json_fstr(FILE *f, const char *s)
{
    nncrt_buf b = { 0 };
    nncrt_json_str(&b, s);
    fwrite(b.data, 1, b.len, f);
    nncrt_buf_free(&b);
}

void nncrt_json_num(nncrt_buf *b, double v)
{
    if (isfinite(v))
        nncrt_buf_printf(b, "%.9g", v);
    else
        nncrt_buf_add(b, "null", 4);
}

void nncrt_json_fnum(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("null", f);
}
