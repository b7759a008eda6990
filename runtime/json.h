/* json.h — the little JSON libnncrt needs: escaped output for --json and the
 * safetensors header, and a small strict parser for reading headers back. */
#ifndef NNCRT_JSON_H
#define NNCRT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* json_out.c */
/* Appends s as a JSON string literal (quotes included). Invalid UTF-8 bytes
   become U+FFFD so the output is always valid JSON. */
void nncrt_json_str(nncrt_buf *b, const char *s);
void nncrt_json_fstr(FILE *f, const char *s);
/* A finite number as %.9g; NaN and infinities as null (JSON has no NaN). */
void nncrt_json_num(nncrt_buf *b, double v);
void nncrt_json_fnum(FILE *f, double v);

/* json_parse.c */
typedef enum nncrt_json_type {
    NNCRT_JSON_NULL,
    NNCRT_JSON_BOOL,
    NNCRT_JSON_NUMBER,
    NNCRT_JSON_STRING,
    NNCRT_JSON_ARRAY,
    NNCRT_JSON_OBJECT,
} nncrt_json_type;

typedef struct nncrt_json {
    nncrt_json_type type;
    bool boolean;
    char *text;                 /* string value, or a number's source text */
    size_t n;                   /* array items / object members */
    struct nncrt_json *items;   /* [n] */
    char **keys;                /* [n], objects only */
} nncrt_json;

/* Parses exactly one value spanning s[0..len) (surrounding whitespace
   allowed). Strings may not contain NUL. Returns 0, or -1 with a message
   that gives the byte offset in err. */
int nncrt_json_parse(const char *s, size_t len, nncrt_json *out, char *err, size_t errlen);
void nncrt_json_free(nncrt_json *v);
/* First member named key, or NULL. */
const nncrt_json *nncrt_json_get(const nncrt_json *obj, const char *key);
/* A non-negative integer number that fits size_t exactly. */
bool nncrt_json_size(const nncrt_json *v, size_t *out);

#endif
