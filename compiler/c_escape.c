/* c_escape.c — the only way user text (the spec's path, the model name,
 * class names, data paths) enters generated C: one function for comments and
 * one for string literals. Neither lets the text end its comment or string,
 * splice lines, form a trigraph, or carry bytes a reader's terminal or
 * editor would interpret (control bytes, non-ASCII such as bidi overrides). */
#include "nnc.h"

static int comment_safe_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '\\';
}

void c_comment_text(strbuf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (!comment_safe_byte(*p) || (p[0] == '*' && !p[1])) /* a last '*' could meet a '/' */
            sb_printf(out, "\\x%02x", *p);
        else if ((p[0] == '*' && p[1] == '/') || (p[0] == '/' && p[1] == '*'))
            sb_printf(out, "%c\\x%02x", p[0], p[1]), p++;
        else
            sb_printf(out, "%c", *p);
    }
}

void c_string_lit(strbuf *out, const char *s)
{
    sb_puts(out, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_printf(out, "\\%c", *p);
        else if (*p == '?') /* never the start of a trigraph */
            sb_puts(out, "\\?");
        else if (*p < 0x20 || *p >= 0x7f) /* three octal digits: a digit after cannot join */
            sb_printf(out, "\\%03o", *p);
        else
            sb_printf(out, "%c", *p);
    }
    sb_puts(out, "\"");
}

char *c_comment_dup(const char *s)
{
    strbuf sb = {0};
    sb_puts(&sb, "");
    c_comment_text(&sb, s);
    return sb.data;
}
