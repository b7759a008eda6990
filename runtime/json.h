/* json.h — JSON output for --json and the safetensors header. Reading JSON
 * (headers of files from anywhere) is jansson's job, in safetensors.c and
 * weights.c. */
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

#endif
