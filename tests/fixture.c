/* fixture.c — minimal .safetensors reading for test fixtures: finds a tensor's
 * data_offsets in the JSON header by its quoted name. The fixtures are ours, so
 * this checks bounds but does not try to be a general JSON parser. */
#include "fixture.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fixture_open(fixture *f, const char *path)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    rewind(fp);
    f->data = malloc(size > 0 ? (size_t)size + 1 : 1);
    if (!f->data || size < 8 || fread(f->data, 1, (size_t)size, fp) != (size_t)size) {
        fclose(fp);
        fixture_close(f);
        return -1;
    }
    fclose(fp);
    f->size = (size_t)size;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | f->data[i];
    if (n > f->size - 8) {
        fixture_close(f);
        return -1;
    }
    f->header_len = (size_t)n;
    return 0;
}

const void *fixture_tensor(const fixture *f, const char *name, size_t *bytes)
{
    char key[256];
    snprintf(key, sizeof key, "\"%s\":", name);
    char *hdr = strndup((const char *)f->data + 8, f->header_len);
    char *at = hdr ? strstr(hdr, key) : NULL;
    char *off = at ? strstr(at, "\"data_offsets\":") : NULL;
    unsigned long long b, e;
    const void *res = NULL;
    if (off && sscanf(off, "\"data_offsets\":[%llu,%llu]", &b, &e) == 2 && b <= e &&
        e <= f->size - 8 - f->header_len) {
        *bytes = (size_t)(e - b);
        res = f->data + 8 + f->header_len + b;
    }
    free(hdr);
    return res;
}

void fixture_close(fixture *f)
{
    free(f->data);
    memset(f, 0, sizeof *f);
}
