/* template.c — turns a template from templates/ into specialized C: drops its
 * "nnc:defaults" block and replaces placeholder identifiers with literals or
 * generated names. Comments and strings are copied untouched, so a template's
 * prose keeps its meaning. */
#include "nnc.h"

#include <ctype.h>
#include <string.h>

extern const struct {
    const char *name, *text;
} nnc_templates[];

const char *template_text(const char *name)
{
    for (int i = 0; nnc_templates[i].name; i++)
        if (!strcmp(nnc_templates[i].name, name))
            return nnc_templates[i].text;
    unreachable();
}

static const char *skip_defaults(const char *t)
{
    const char *b = strstr(t, "/* nnc:defaults begin */");
    const char *e = strstr(t, "/* nnc:defaults end */");
    if (!b || !e)
        return t;
    e = strchr(e, '\n');
    return e ? e + 1 : t + strlen(t);
}

/* Copies a comment or string literal starting at p; returns the end. */
static const char *copy_opaque(strbuf *out, const char *p)
{
    const char *end;
    if (p[0] == '/' && p[1] == '*') {
        end = strstr(p + 2, "*/");
        end = end ? end + 2 : p + strlen(p);
    } else if (p[0] == '/' && p[1] == '/') {
        end = strchr(p, '\n');
        end = end ? end : p + strlen(p);
    } else { /* string or char literal */
        char q = *p;
        end = p + 1;
        while (*end && *end != q)
            end += (*end == '\\' && end[1]) ? 2 : 1;
        if (*end)
            end++;
    }
    sb_printf(out, "%.*s", (int)(end - p), p);
    return end;
}

void template_emit(strbuf *out, const char *name, const subst *subs, int nsubs)
{
    const char *p = skip_defaults(template_text(name));
    while (*p) {
        if ((p[0] == '/' && (p[1] == '*' || p[1] == '/')) || *p == '"' || *p == '\'') {
            p = copy_opaque(out, p);
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            int len = (int)(p - s), i;
            for (i = 0; i < nsubs; i++)
                if ((int)strlen(subs[i].from) == len && !strncmp(subs[i].from, s, (size_t)len))
                    break;
            if (i < nsubs)
                sb_puts(out, subs[i].to);
            else
                sb_printf(out, "%.*s", len, s);
        } else if (isdigit((unsigned char)*p)) { /* numbers such as 1e5f stay whole */
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '.')
                p++;
            sb_printf(out, "%.*s", (int)(p - s), s);
        } else {
            sb_printf(out, "%c", *p++);
        }
    }
}
