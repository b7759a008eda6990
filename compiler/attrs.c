/* attrs.c — typed reads of a mapping's keys, each range-checked and reported at
 * the value's file:line:col. Keys that nothing read are unknown: attrs_finish()
 * reports them with a "did you mean". */
#include "nnc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void attrs_init(attrs *a, const ynode *map, const char *ctx)
{
    memset(a, 0, sizeof *a);
    a->map = map && map->kind == NODE_MAP ? map : NULL;
    a->ctx = ctx;
}

const ynode *attrs_get(attrs *a, const char *key)
{
    if (!a->map)
        return NULL;
    for (int i = 0; i < a->map->n && i < 64; i++)
        if (!strcmp(a->map->keys[i], key)) {
            a->used[i] = 1;
            return a->map->items[i];
        }
    return NULL;
}

static int fail(attrs *a)
{
    a->failed = 1;
    return -1;
}

int node_int(const ynode *nd, const char *ctx, long min, long max, long *out)
{
    if (nd->kind == NODE_SCALAR && !nd->plain) {
        diag_error(nd->loc, "%s: expected an integer, found the quoted string '%s' (write "
                            "numbers without quotes)", ctx, nd->text);
        return -1;
    }
    if (nd->kind != NODE_SCALAR) {
        diag_error(nd->loc, "%s: expected an integer, found %s", ctx, node_kind_name(nd->kind));
        return -1;
    }
    char *end;
    errno = 0;
    long v = strtol(nd->text, &end, 10);
    if (errno || end == nd->text || *end) {
        diag_error(nd->loc, "%s: expected an integer, found '%s'", ctx, nd->text);
        return -1;
    }
    if (v < min || v > max) {
        diag_error(nd->loc, "%s: %ld is out of range, expected %ld..%ld", ctx, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int node_real(const ynode *nd, const char *ctx, double min, double max, double *out)
{
    if (nd->kind == NODE_SCALAR && !nd->plain) {
        diag_error(nd->loc, "%s: expected a number, found the quoted string '%s' (write "
                            "numbers without quotes)", ctx, nd->text);
        return -1;
    }
    if (nd->kind != NODE_SCALAR) {
        diag_error(nd->loc, "%s: expected a number, found %s", ctx, node_kind_name(nd->kind));
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(nd->text, &end);
    if (errno || end == nd->text || *end || !isfinite(v)) {
        diag_error(nd->loc, "%s: expected a number, found '%s'", ctx, nd->text);
        return -1;
    }
    if (v < min || v > max) {
        diag_error(nd->loc, "%s: %g is out of range, expected %g..%g", ctx, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static const char *key_ctx(attrs *a, const char *key, char *buf, size_t n)
{
    snprintf(buf, n, "%s: %s", a->ctx, key);
    return buf;
}

int attrs_int(attrs *a, const char *key, long def, long min, long max, long *out)
{
    char ctx[128];
    const ynode *nd = attrs_get(a, key);
    *out = def;
    if (!nd)
        return 0;
    return node_int(nd, key_ctx(a, key, ctx, sizeof ctx), min, max, out) ? fail(a) : 0;
}

/* An int or a two-element list [h, w], as Keras accepts for kernel_size etc. */
int attrs_pair(attrs *a, const char *key, long def, long min, long max, long out[2])
{
    char ctx[128];
    const ynode *nd = attrs_get(a, key);
    out[0] = out[1] = def;
    if (!nd)
        return 0;
    key_ctx(a, key, ctx, sizeof ctx);
    if (nd->kind == NODE_SEQ) {
        if (nd->n != 2) {
            diag_error(nd->loc, "%s: expected an integer or a list of 2 integers, found %d items",
                       ctx, nd->n);
            return fail(a);
        }
        if (node_int(nd->items[0], ctx, min, max, &out[0]) ||
            node_int(nd->items[1], ctx, min, max, &out[1]))
            return fail(a);
        return 0;
    }
    if (node_int(nd, ctx, min, max, &out[0]))
        return fail(a);
    out[1] = out[0];
    return 0;
}

int attrs_real(attrs *a, const char *key, double def, double min, double max, double *out)
{
    char ctx[128];
    const ynode *nd = attrs_get(a, key);
    *out = def;
    if (!nd)
        return 0;
    return node_real(nd, key_ctx(a, key, ctx, sizeof ctx), min, max, out) ? fail(a) : 0;
}

int attrs_bool(attrs *a, const char *key, int def, int *out)
{
    const ynode *nd = attrs_get(a, key);
    *out = def;
    if (!nd)
        return 0;
    if (nd->kind == NODE_SCALAR && nd->plain) {
        if (!strcmp(nd->text, "true") || !strcmp(nd->text, "True")) {
            *out = 1;
            return 0;
        }
        if (!strcmp(nd->text, "false") || !strcmp(nd->text, "False")) {
            *out = 0;
            return 0;
        }
    }
    diag_error(nd->loc, "%s: %s: expected true or false, found '%s'", a->ctx, key,
               nd->kind == NODE_SCALAR ? nd->text : node_kind_name(nd->kind));
    return fail(a);
}

int attrs_enum(attrs *a, const char *key, const char *const *choices, int def, int *out)
{
    const ynode *nd = attrs_get(a, key);
    *out = def;
    if (!nd)
        return 0;
    int n = 0;
    for (; choices[n]; n++)
        if (nd->kind == NODE_SCALAR && !strcmp(nd->text, choices[n])) {
            *out = n;
            return 0;
        }
    char list[256] = "";
    for (int i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 choices[i]);
    const char *near = nd->kind == NODE_SCALAR ? diag_closest(nd->text, choices, n) : NULL;
    diag_error(nd->loc, "%s: %s: '%s' is not one of: %s%s%s%s", a->ctx, key,
               nd->kind == NODE_SCALAR ? nd->text : node_kind_name(nd->kind), list,
               near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return fail(a);
}

int attrs_string(attrs *a, const char *key, const char *def, const char **out)
{
    const ynode *nd = attrs_get(a, key);
    *out = def;
    if (!nd)
        return 0;
    if (nd->kind != NODE_SCALAR) {
        diag_error(nd->loc, "%s: %s: expected a string, found %s", a->ctx, key,
                   node_kind_name(nd->kind));
        return fail(a);
    }
    *out = nd->text;
    return 0;
}

int attrs_finish(attrs *a, const char *const *known)
{
    if (!a->map)
        return a->failed ? -1 : 0;
    int n = 0;
    while (known[n])
        n++;
    for (int i = 0; i < a->map->n; i++) {
        if (i < 64 && a->used[i])
            continue;
        int listed = 0;
        for (int k = 0; k < n; k++)
            listed |= !strcmp(a->map->keys[i], known[k]);
        if (listed)
            continue;
        const char *near = diag_closest(a->map->keys[i], known, n);
        char list[512] = "";
        for (int k = 0; k < n; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                     known[k]);
        if (near)
            diag_error(a->map->key_locs[i], "%s: unknown key '%s' (did you mean '%s'?)", a->ctx,
                       a->map->keys[i], near);
        else
            diag_error(a->map->key_locs[i], "%s: unknown key '%s'; expected one of: %s", a->ctx,
                       a->map->keys[i], n ? list : "(none)");
        a->failed = 1;
    }
    return a->failed ? -1 : 0;
}

/* `dense: 10`, `conv2d: [32, 3]`, `random_rotation: [-0.1, 0.2]`: the values
 * of an item's positional arguments (Keras's call order, pos), as the mapping
 * its parser reads. With one positional argument the whole value is it (a
 * list too: random_rotation's [lower, upper]); with more, a list gives the
 * first ones in order. The items stay owned by the spec's tree; free with
 * positional_free. NULL after an error. */
ynode *positional_args(const char *const *pos, const ynode *args, const char *ctx)
{
    int npos = 0;
    while (pos && pos[npos])
        npos++;
    int spread = args->kind == NODE_SEQ && npos > 1;
    int count = spread ? args->n : 1;
    if (count > npos || (args->kind == NODE_SEQ && count == 0)) {
        strbuf names = {0};
        for (int k = 0; k < npos; k++)
            sb_printf(&names, "%s%s", k ? ", " : "", pos[k]);
        if (npos && count)
            diag_error(args->loc, "%s: takes at most %d value%s without names (%s), found %d",
                       ctx, npos, npos == 1 ? "" : "s", names.data, count);
        else if (npos)
            diag_error(args->loc, "%s: expected the value of %s, or a mapping of "
                                  "parameters, found an empty list", ctx, names.data);
        sb_free(&names);
        if (!npos)
            diag_error(args->loc, "%s: expected a mapping of attributes, found %s", ctx,
                       node_kind_name(args->kind));
        return NULL;
    }
    ynode *map = xcalloc(1, sizeof *map);
    map->kind = NODE_MAP;
    map->loc = args->loc;
    map->n = count;
    map->items = xcalloc((size_t)count, sizeof *map->items);
    map->keys = xcalloc((size_t)count, sizeof *map->keys);
    map->key_locs = xcalloc((size_t)count, sizeof *map->key_locs);
    for (int k = 0; k < count; k++) {
        map->items[k] = spread ? args->items[k] : (ynode *)args;
        map->keys[k] = (char *)pos[k];
        map->key_locs[k] = map->items[k]->loc;
    }
    return map;
}

void positional_free(ynode *map)
{
    if (!map)
        return;
    free(map->items), free(map->keys), free(map->key_locs), free(map);
}
