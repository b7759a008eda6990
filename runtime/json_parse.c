/* json_parse.c — a strict RFC 8259 parser into a small tree. Used for
 * safetensors headers, which come from files we did not necessarily write,
 * so every byte is checked and nesting depth is bounded. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 64

typedef struct parser {
    const char *s;
    size_t len, pos;
    char *err;
    size_t errlen;
} parser;

static int fail(parser *p, const char *what)
{
    if (p->err[0] == '\0')
        snprintf(p->err, p->errlen, "%s at byte %zu", what, p->pos);
    return -1;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
        p->pos++;
}

static bool eat(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return false;
    p->pos += n;
    return true;
}

static int hex4(parser *p, uint32_t *out)
{
    if (p->len - p->pos < 4)
        return fail(p, "truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return fail(p, "bad hex digit in \\u escape");
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return 0;
}

static void put_utf8(nncrt_buf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (unsigned char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (unsigned char)(0xC0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (unsigned char)(0xE0 | cp >> 12), u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)),
        u[2] = (unsigned char)(0x80 | (cp & 0x3F)), n = 3;
    else
        u[0] = (unsigned char)(0xF0 | cp >> 18), u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (unsigned char)(0x80 | (cp & 0x3F)),
        n = 4;
    nncrt_buf_add(b, u, n);
}

/* \uXXXX, joining a UTF-16 surrogate pair into one code point. */
static int unicode_escape(parser *p, nncrt_buf *b)
{
    uint32_t cp, lo;
    if (hex4(p, &cp) != 0)
        return -1;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(p, "unpaired low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (!eat(p, "\\u") || hex4(p, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
            return fail(p, "unpaired high surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp == 0)
        return fail(p, "\\u0000 is not supported in strings");
    put_utf8(b, cp);
    return 0;
}

static int escape(parser *p, nncrt_buf *b)
{
    if (p->pos >= p->len)
        return fail(p, "unterminated string");
    char c = p->s[p->pos++];
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (k) {
        nncrt_buf_add(b, to + (k - from), 1);
        return 0;
    }
    if (c == 'u')
        return unicode_escape(p, b);
    return fail(p, "bad escape in string");
}

/* Parses a string literal at p->pos (the opening quote) into a new C string. */
static int parse_string(parser *p, char **out)
{
    nncrt_buf b = { 0 };
    p->pos++;   /* opening quote */
    for (;;) {
        if (p->pos >= p->len) {
            nncrt_buf_free(&b);
            return fail(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c == '"')
            break;
        int rc = 0;
        if (c == '\\')
            rc = escape(p, &b);
        else if (c < 0x20)
            rc = fail(p, "control character in string");
        else
            nncrt_buf_add(&b, &c, 1);
        if (rc != 0) {
            nncrt_buf_free(&b);
            return -1;
        }
    }
    *out = b.data ? b.data : nncrt_xstrdup("");
    return 0;
}

static size_t digits(parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    return p->pos - start;
}

static int parse_number(parser *p, nncrt_json *v)
{
    size_t start = p->pos;
    if (p->s[p->pos] == '-')
        p->pos++;
    size_t int_start = p->pos, nd = digits(p);
    if (nd == 0 || (nd > 1 && p->s[int_start] == '0'))
        return fail(p, "bad number");
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (digits(p) == 0)
            return fail(p, "bad number");
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (digits(p) == 0)
            return fail(p, "bad number");
    }
    v->type = NNCRT_JSON_NUMBER;
    v->text = strndup(p->s + start, p->pos - start);
    if (!v->text)
        return fail(p, "out of memory");
    return 0;
}

static int parse_value(parser *p, nncrt_json *v, int depth);

/* Appends a zeroed item to v (array or object) and returns it. */
static nncrt_json *add_item(nncrt_json *v, size_t *cap)
{
    if (v->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v->items = nncrt_xrealloc(v->items, *cap * sizeof *v->items);
        if (v->type == NNCRT_JSON_OBJECT)
            v->keys = nncrt_xrealloc(v->keys, *cap * sizeof *v->keys);
    }
    memset(&v->items[v->n], 0, sizeof v->items[0]);
    if (v->keys)
        v->keys[v->n] = NULL;
    return &v->items[v->n++];
}

static int parse_member(parser *p, nncrt_json *v, size_t *cap, int depth)
{
    char *key = NULL;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != '"')
        return fail(p, "expected a string key");
    if (parse_string(p, &key) != 0)
        return -1;
    nncrt_json *item = add_item(v, cap);
    v->keys[v->n - 1] = key;
    skip_ws(p);
    if (!eat(p, ":"))
        return fail(p, "expected ':'");
    return parse_value(p, item, depth + 1);
}

/* Arrays and objects: items separated by ',' up to the closing bracket. */
static int parse_container(parser *p, nncrt_json *v, int depth, bool object)
{
    size_t cap = 0;
    char close = object ? '}' : ']';
    v->type = object ? NNCRT_JSON_OBJECT : NNCRT_JSON_ARRAY;
    p->pos++;
    skip_ws(p);
    if (eat(p, object ? "}" : "]"))
        return 0;
    for (;;) {
        int rc = object ? parse_member(p, v, &cap, depth)
                        : parse_value(p, add_item(v, &cap), depth + 1);
        if (rc != 0)
            return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return 0;
        }
        if (!eat(p, ","))
            return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *p, nncrt_json *v, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(p, "nesting too deep");
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, "unexpected end of input");
    char c = p->s[p->pos];
    if (c == '{' || c == '[')
        return parse_container(p, v, depth, c == '{');
    if (c == '"') {
        v->type = NNCRT_JSON_STRING;
        return parse_string(p, &v->text);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p, v);
    if (eat(p, "true") || eat(p, "false")) {
        v->type = NNCRT_JSON_BOOL;
        v->boolean = c == 't';
        return 0;
    }
    if (eat(p, "null")) {
        v->type = NNCRT_JSON_NULL;
        return 0;
    }
    return fail(p, "unexpected character");
}

int nncrt_json_parse(const char *s, size_t len, nncrt_json *out, char *err, size_t errlen)
{
    parser p = { s, len, 0, err, errlen };
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    int rc = parse_value(&p, out, 0);
    if (rc == 0) {
        skip_ws(&p);
        if (p.pos != len)
            rc = fail(&p, "trailing characters after JSON value");
    }
    if (rc != 0)
        nncrt_json_free(out);
    return rc;
}

void nncrt_json_free(nncrt_json *v)
{
    for (size_t i = 0; i < v->n; i++) {
        nncrt_json_free(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->text);
    memset(v, 0, sizeof *v);
}

const nncrt_json *nncrt_json_get(const nncrt_json *obj, const char *key)
{
    if (obj->type != NNCRT_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

bool nncrt_json_size(const nncrt_json *v, size_t *out)
{
    if (v->type != NNCRT_JSON_NUMBER || !v->text[0] || strspn(v->text, "0123456789") != strlen(v->text))
        return false;
    if (strlen(v->text) > 20)
        return false;
    unsigned long long x = 0;
    for (const char *c = v->text; *c; c++) {
        unsigned d = (unsigned)(*c - '0');
        if (x > (ULLONG_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    if (x > SIZE_MAX)
        return false;
    *out = (size_t)x;
    return true;
}
