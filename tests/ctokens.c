/* ctokens.c FILE — the C tokens of FILE outside comments, one per line, as a
 * C11 compiler sees them: trigraphs replaced (gcc -std=c11 does), backslash-
 * newlines spliced, then comments dropped and every string or character
 * literal printed as <str> / <chr>. tests/test_hostile.sh compares the tokens
 * of a trainer built from hostile strings with those of a harmless one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, len = 0, r;
    char *b = malloc(cap);
    while (b && (r = fread(b + len, 1, cap - len, f)) > 0)
        if ((len += r) == cap)
            b = realloc(b, cap *= 2);
    fclose(f);
    *n = len;
    return b;
}

/* translation phases 1 and 2, in place */
static size_t phases12(char *s, size_t n)
{
    static const char tri[] = "=(/)'<!>-", rep[] = "#[\\]^{|}~";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t;
        if (s[i] == '?' && i + 2 < n && s[i + 1] == '?' && s[i + 2] && (t = strchr(tri, s[i + 2]))) {
            s[o++] = rep[t - tri];
            i += 2;
        } else {
            s[o++] = s[i];
        }
    }
    n = o, o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n')
            i++;
        else
            s[o++] = s[i];
    }
    return o;
}

static int ident(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int main(int argc, char **argv)
{
    size_t n;
    char *s = argc == 2 ? slurp(argv[1], &n) : NULL;
    if (!s) {
        fprintf(stderr, "usage: ctokens FILE.c\n");
        return 2;
    }
    n = phases12(s, n);
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f') {
            i++;
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            char *e = strstr(s + i + 2, "*/");
            i = e ? (size_t)(e - s) + 2 : n;
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (s[i] == '"' || s[i] == '\'') {
            char q = s[i++];
            while (i < n && s[i] != q && s[i] != '\n')
                i += s[i] == '\\' ? 2 : 1;
            if (i >= n || s[i] != q) {
                puts("<unterminated literal>");
                return 0;
            }
            i++;
            puts(q == '"' ? "<str>" : "<chr>");
        } else if (ident(s[i])) {
            size_t b = i;
            while (i < n && (ident(s[i]) || (s[i] == '.' && s[b] >= '0' && s[b] <= '9')))
                i++;
            printf("%.*s\n", (int)(i - b), s + b);
        } else {
            printf("%c\n", s[i++]);
        }
    }
    free(s);
    return 0;
}
