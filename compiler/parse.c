/* parse.c — YAML text → node tree, keeping libyaml's marks for every node and
 * key so later stages can point at file:line:col. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64 /* aliases could otherwise make a cycle */

static nnc_loc mark_loc(const char *path, yaml_mark_t m)
{
    return (nnc_loc){path, (int)m.line + 1, (int)m.column + 1};
}

static int is_null_scalar(const yaml_node_t *yn)
{
    const char *v = (const char *)yn->data.scalar.value;
    if (yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

static node *convert(yaml_document_t *doc, yaml_node_t *yn, const char *path, int depth)
{
    if (depth > MAX_DEPTH) {
        diag_error(mark_loc(path, yn->start_mark), "YAML nested too deeply (alias cycle?)");
        return NULL;
    }
    node *nd = xcalloc(1, sizeof *nd);
    nd->loc = mark_loc(path, yn->start_mark);
    switch (yn->type) {
    case YAML_SCALAR_NODE:
        nd->kind = is_null_scalar(yn) ? NODE_NULL : NODE_SCALAR;
        nd->text = xstrdup((const char *)yn->data.scalar.value);
        nd->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return nd;
    case YAML_SEQUENCE_NODE: {
        nd->kind = NODE_SEQ;
        yaml_node_item_t *it = yn->data.sequence.items.start;
        int n = (int)(yn->data.sequence.items.top - it);
        nd->items = xcalloc((size_t)n, sizeof *nd->items);
        for (; nd->n < n; nd->n++)
            if (!(nd->items[nd->n] = convert(doc, yaml_document_get_node(doc, it[nd->n]), path,
                                             depth + 1)))
                goto fail;
        return nd;
    }
    case YAML_MAPPING_NODE: {
        nd->kind = NODE_MAP;
        yaml_node_pair_t *pr = yn->data.mapping.pairs.start;
        int n = (int)(yn->data.mapping.pairs.top - pr);
        nd->items = xcalloc((size_t)n, sizeof *nd->items);
        nd->keys = xcalloc((size_t)n, sizeof *nd->keys);
        nd->key_locs = xcalloc((size_t)n, sizeof *nd->key_locs);
        for (; nd->n < n; nd->n++) {
            yaml_node_t *k = yaml_document_get_node(doc, pr[nd->n].key);
            nnc_loc kl = mark_loc(path, k->start_mark);
            if (k->type != YAML_SCALAR_NODE) {
                diag_error(kl, "expected a plain key, found a %s",
                           k->type == YAML_MAPPING_NODE ? "mapping" : "list");
                goto fail;
            }
            for (int j = 0; j < nd->n; j++)
                if (!strcmp(nd->keys[j], (const char *)k->data.scalar.value)) {
                    diag_error(kl, "duplicate key '%s' (first at line %d)", nd->keys[j],
                               nd->key_locs[j].line);
                    goto fail;
                }
            nd->keys[nd->n] = xstrdup((const char *)k->data.scalar.value);
            nd->key_locs[nd->n] = kl;
            if (!(nd->items[nd->n] = convert(doc, yaml_document_get_node(doc, pr[nd->n].value),
                                             path, depth + 1))) {
                nd->n++;
                goto fail;
            }
        }
        return nd;
    }
    default:
        diag_error(nd->loc, "empty YAML node");
        goto fail;
    }
fail:
    node_free(nd);
    return NULL;
}

node *parse_yaml(const char *path, const char *text, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    node *root = NULL;
    if (!yaml_parser_initialize(&parser))
        unreachable();
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        nnc_loc loc = mark_loc(path, parser.problem_mark);
        diag_error(loc, "invalid YAML: %s%s%s", parser.problem ? parser.problem : "syntax error",
                   parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return NULL;
    }
    yaml_node_t *top = yaml_document_get_root_node(&doc);
    if (!top)
        diag_error((nnc_loc){path, 0, 0}, "the file is empty; expected a model spec");
    else
        root = convert(&doc, top, path, 0);
    yaml_document_delete(&doc);
    if (root && yaml_parser_load(&parser, &doc)) { /* one spec per file */
        if (yaml_document_get_root_node(&doc)) {
            diag_error(mark_loc(path, doc.start_mark), "a second YAML document: one spec per "
                                                       "file");
            node_free(root);
            root = NULL;
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return root;
}

void node_free(node *nd)
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
