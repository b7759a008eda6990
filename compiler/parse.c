/* parse.c — YAML text → node tree, keeping libyaml's marks for every node and
 * key so later stages can point at file:line:col.
 *
 * The tree is built from libyaml's events, not from its document loader, so
 * that hostile input costs bounded work: nesting stops at MAX_DEPTH while the
 * text is read (the loader built the whole document first, quadratically),
 * an alias is expanded only within MAX_NODES nodes in all (a 4 KB "billion
 * laughs" file otherwise grows without bound), and a mapping holds at most
 * MAX_KEYS keys (duplicate keys are looked for pairwise). */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64
#define MAX_NODES 100000
#define MAX_KEYS 1024

typedef struct anchor {
    char *name;
    const ynode *nd;
} anchor;

typedef struct loader {
    yaml_parser_t parser;
    const char *path, *text;
    size_t len;
    long nodes;        /* built so far, aliases' copies included */
    anchor *anchors;   /* into the tree being built: nothing is freed before the end */
    int num_anchors;
} loader;

static nnc_loc mark_loc(const char *path, yaml_mark_t m)
{
    return (nnc_loc){path, (int)m.line + 1, (int)m.column + 1};
}

/* line:col of a byte offset: libyaml's reader errors (invalid UTF-8, control
 * characters) come with an offset and no mark. Columns count characters. */
static nnc_loc offset_loc(const loader *ld, size_t off)
{
    nnc_loc loc = {ld->path, 1, 1};
    for (size_t i = 0; i < off && i < ld->len; i++) {
        unsigned char c = (unsigned char)ld->text[i];
        if (c == '\n')
            loc.line++, loc.col = 1;
        else if ((c & 0xc0) != 0x80)
            loc.col++;
    }
    return loc;
}

static void parser_error(loader *ld)
{
    yaml_parser_t *p = &ld->parser;
    if (p->error == YAML_READER_ERROR) {
        const char *what = p->problem ? p->problem : "unreadable text";
        size_t off = p->problem_offset < ld->len ? p->problem_offset : ld->len;
        /* libyaml names the bad trailing byte of a UTF-8 sequence: point at its start */
        while (strstr(what, "UTF-8") && off > 0 && ((unsigned char)ld->text[off] & 0xc0) != 0xc0 &&
               ((unsigned char)ld->text[off - 1] & 0x80))
            off--;
        if (off < ld->len)
            diag_error(offset_loc(ld, off), "invalid text: %s (byte 0x%02x)", what,
                       (unsigned char)ld->text[off]);
        else
            diag_error(offset_loc(ld, off), "invalid text: %s", what);
        return;
    }
    if (p->error == YAML_MEMORY_ERROR) {
        diag_error((nnc_loc){ld->path, 0, 0}, "out of memory while reading YAML");
        return;
    }
    diag_error(mark_loc(ld->path, p->problem_mark), "invalid YAML: %s%s%s",
               p->problem ? p->problem : "syntax error", p->context ? " " : "",
               p->context ? p->context : "");
}

/* The next event; 0 on a syntax error (reported). */
static int next_event(loader *ld, yaml_event_t *ev)
{
    if (yaml_parser_parse(&ld->parser, ev))
        return 1;
    parser_error(ld);
    return 0;
}

static int count_node(loader *ld, nnc_loc loc)
{
    if (++ld->nodes <= MAX_NODES)
        return 0;
    diag_error(loc, "the spec has more than %d YAML nodes (an alias counts its whole node each time)", MAX_NODES);
    return -1;
}

static int is_null_scalar(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    if (!ev->data.scalar.plain_implicit || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

/* Tags change what a scalar means; only !!str (a quoted string) is kept. */
static int check_tag(loader *ld, const yaml_char_t *tag, yaml_mark_t mark, int *str)
{
    *str = 0;
    if (!tag)
        return 0;
    if (!strcmp((const char *)tag, YAML_STR_TAG)) {
        *str = 1;
        return 0;
    }
    diag_error(mark_loc(ld->path, mark), "YAML tag '%s' is not supported (write plain values)",
               (const char *)tag);
    return -1;
}

static ynode *copy_tree(loader *ld, const ynode *src, nnc_loc at, int depth)
{
    if (depth > MAX_DEPTH) {
        diag_error(at, "YAML nested more than %d levels deep", MAX_DEPTH);
        return NULL;
    }
    if (count_node(ld, at))
        return NULL;
    ynode *nd = xcalloc(1, sizeof *nd);
    *nd = *src;
    nd->text = src->text ? xstrdup(src->text) : NULL;
    nd->items = nd->n ? xcalloc((size_t)nd->n, sizeof *nd->items) : NULL;
    nd->keys = src->keys ? xcalloc((size_t)nd->n + 1, sizeof *nd->keys) : NULL;
    nd->key_locs = src->key_locs ? xcalloc((size_t)nd->n + 1, sizeof *nd->key_locs) : NULL;
    int n = nd->n;
    nd->n = 0;
    for (; nd->n < n; nd->n++) {
        if (nd->keys) {
            nd->keys[nd->n] = xstrdup(src->keys[nd->n]);
            nd->key_locs[nd->n] = src->key_locs[nd->n];
        }
        if (!(nd->items[nd->n] = copy_tree(ld, src->items[nd->n], at, depth + 1))) {
            nd->n += nd->keys != NULL;
            node_free(nd);
            return NULL;
        }
    }
    return nd;
}

static ynode *alias(loader *ld, const yaml_event_t *ev, int depth)
{
    nnc_loc loc = mark_loc(ld->path, ev->start_mark);
    const char *name = (const char *)ev->data.alias.anchor;
    for (int i = ld->num_anchors - 1; i >= 0; i--)
        if (!strcmp(ld->anchors[i].name, name))
            return copy_tree(ld, ld->anchors[i].nd, loc, depth);
    diag_error(loc, "YAML alias '*%s' names no complete anchor before it", name);
    return NULL;
}

static void keep_anchor(loader *ld, const yaml_char_t *name, ynode *nd)
{
    if (!name)
        return;
    ld->anchors = xrealloc(ld->anchors, (size_t)(ld->num_anchors + 1) * sizeof *ld->anchors);
    ld->anchors[ld->num_anchors++] = (anchor){xstrdup((const char *)name), nd};
}

static ynode *parse_node(loader *ld, yaml_event_t *ev, int depth);

static int add_item(ynode *nd, ynode *item, const char *key, nnc_loc key_loc)
{
    if (!nd->n || (nd->n >= 4 && !(nd->n & (nd->n - 1)))) { /* 4, 8, 16, ... */
        size_t cap = nd->n ? (size_t)nd->n * 2 : 4;
        nd->items = xrealloc(nd->items, cap * sizeof *nd->items);
        if (key) {
            nd->keys = xrealloc(nd->keys, cap * sizeof *nd->keys);
            nd->key_locs = xrealloc(nd->key_locs, cap * sizeof *nd->key_locs);
        }
    }
    if (key) {
        nd->keys[nd->n] = xstrdup(key);
        nd->key_locs[nd->n] = key_loc;
    }
    nd->items[nd->n++] = item;
    return 0;
}

/* A key: a plain scalar, not yet in the mapping. */
static int check_key(loader *ld, const ynode *map, const yaml_event_t *ev)
{
    nnc_loc kl = mark_loc(ld->path, ev->start_mark);
    if (ev->type != YAML_SCALAR_EVENT) {
        diag_error(kl, "expected a plain key, found a %s",
                   ev->type == YAML_MAPPING_START_EVENT ? "mapping"
                   : ev->type == YAML_SEQUENCE_START_EVENT ? "list"
                                                           : "alias");
        return -1;
    }
    if (map->n >= MAX_KEYS) {
        diag_error(kl, "a mapping with more than %d keys", MAX_KEYS);
        return -1;
    }
    const char *k = (const char *)ev->data.scalar.value;
    for (int j = 0; j < map->n; j++)
        if (!strcmp(map->keys[j], k)) {
            diag_error(kl, "duplicate key '%s' (first at line %d)", k, map->key_locs[j].line);
            return -1;
        }
    return 0;
}

/* Items of a list, or key/value pairs of a mapping, up to its end event. */
static int parse_children(loader *ld, ynode *nd, int depth)
{
    yaml_event_type_t end = nd->kind == NODE_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t ev;
        if (!next_event(ld, &ev))
            return -1;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return 0;
        }
        char *key = NULL;
        nnc_loc kl = {0};
        if (nd->kind == NODE_MAP) {
            if (check_key(ld, nd, &ev)) {
                yaml_event_delete(&ev);
                return -1;
            }
            key = xstrdup((const char *)ev.data.scalar.value);
            kl = mark_loc(ld->path, ev.start_mark);
            yaml_event_delete(&ev);
            if (!next_event(ld, &ev)) {
                free(key);
                return -1;
            }
        }
        ynode *item = parse_node(ld, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (item)
            add_item(nd, item, key, kl);
        free(key);
        if (!item)
            return -1;
    }
}

/* The node that starts with event EV (which the caller deletes). */
static ynode *parse_node(loader *ld, yaml_event_t *ev, int depth)
{
    nnc_loc loc = mark_loc(ld->path, ev->start_mark);
    if (ev->type == YAML_ALIAS_EVENT)
        return alias(ld, ev, depth);
    if (depth > MAX_DEPTH) {
        diag_error(loc, "YAML nested more than %d levels deep", MAX_DEPTH);
        return NULL;
    }
    if (count_node(ld, loc))
        return NULL;
    ynode *nd = xcalloc(1, sizeof *nd);
    nd->loc = loc;
    int str = 0;
    const yaml_char_t *anchor_name = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        anchor_name = ev->data.scalar.anchor;
        if (check_tag(ld, ev->data.scalar.tag, ev->start_mark, &str))
            goto fail;
        nd->kind = !str && is_null_scalar(ev) ? NODE_NULL : NODE_SCALAR;
        nd->text = xstrdup((const char *)ev->data.scalar.value);
        nd->plain = !str && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int map = ev->type == YAML_MAPPING_START_EVENT;
        anchor_name = map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        const yaml_char_t *tag = map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
        if (tag && strcmp((const char *)tag, map ? YAML_MAP_TAG : YAML_SEQ_TAG) &&
            check_tag(ld, tag, ev->start_mark, &str))
            goto fail;
        nd->kind = map ? NODE_MAP : NODE_SEQ;
        if (parse_children(ld, nd, depth))
            goto fail;
        break;
    }
    default:
        diag_error(loc, "unexpected YAML content");
        goto fail;
    }
    keep_anchor(ld, anchor_name, nd);
    return nd;
fail:
    node_free(nd);
    return NULL;
}

/* Events up to the first document's root; NULL for an empty stream. */
static ynode *parse_document(loader *ld, int *failed)
{
    yaml_event_t ev;
    ynode *root = NULL;
    *failed = 1;
    if (!next_event(ld, &ev))
        return NULL;
    yaml_event_delete(&ev); /* stream start */
    if (!next_event(ld, &ev))
        return NULL;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        *failed = 0;
        return NULL;
    }
    yaml_event_delete(&ev); /* document start */
    if (!next_event(ld, &ev))
        return NULL;
    root = parse_node(ld, &ev, 0);
    yaml_event_delete(&ev);
    if (!root || !next_event(ld, &ev)) { /* document end */
        node_free(root);
        return NULL;
    }
    yaml_event_delete(&ev);
    *failed = 0;
    return root;
}

/* After the spec: nothing but the end of the stream. A second document is an
 * error even when it is broken YAML (its syntax error is what is reported). */
static int expect_stream_end(loader *ld)
{
    yaml_event_t ev;
    if (!next_event(ld, &ev))
        return -1;
    int end = ev.type == YAML_STREAM_END_EVENT;
    if (!end)
        diag_error(mark_loc(ld->path, ev.start_mark), "a second YAML document: one spec per file");
    yaml_event_delete(&ev);
    return end ? 0 : -1;
}

static void loader_free(loader *ld)
{
    for (int i = 0; i < ld->num_anchors; i++)
        free(ld->anchors[i].name);
    free(ld->anchors);
    yaml_parser_delete(&ld->parser);
}

ynode *parse_yaml(const char *path, const char *text, size_t len)
{
    loader ld = {.path = path, .text = text, .len = len};
    if (!yaml_parser_initialize(&ld.parser))
        unreachable();
    yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text, len);
    int failed;
    ynode *root = parse_document(&ld, &failed);
    if (!root && !failed)
        diag_error((nnc_loc){path, 0, 0}, "the file is empty; expected a model spec");
    if (root && expect_stream_end(&ld)) {
        node_free(root);
        root = NULL;
    }
    loader_free(&ld);
    return root;
}

void node_free(ynode *nd)
{
    if (!nd)
        return;
    for (int i = 0; i < nd->n; i++) {
        node_free(nd->items[i]);
        if (nd->keys)
            free(nd->keys[i]);
    }
    free(nd->items);
    free(nd->keys);
    free(nd->key_locs);
    free(nd->text);
    free(nd);
}

const char *node_kind_name(node_kind k)
{
    switch (k) {
    case NODE_NULL: return "nothing";
    case NODE_SCALAR: return "a value";
    case NODE_SEQ: return "a list";
    case NODE_MAP: return "a mapping";
    }
    unreachable();
}
