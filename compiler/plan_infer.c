/* plan_infer.c — the memory plan of the inference forward pass for one
 * sample, the exported classifier's (export.c): every activation and every
 * buffer a kernel writes for itself (max pooling's window positions) is an
 * offset into one arena. A value lives from the step that writes it (its
 * node's, or that of the node whose kernel computes it) to the last step
 * that reads it, and blocks whose lives do not overlap share memory, so the
 * arena holds the largest set of values alive at once, not their sum. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN_FLOATS 16 /* 64 bytes, for SIMD loads */

static size_t align_up(size_t n) { return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS; }

/* The step that writes node n's output: its own, its absorber's, or that of
 * the layer it is folded into. */
static int write_step(const model *m, int node)
{
    const gnode *n = &m->nodes[node];
    return n->absorbed_by >= 0 ? n->absorbed_by : n->infer_fold >= 0 ? n->infer_fold : node;
}

typedef struct blocks {
    size_t *count;
    plan_life *life;
    int *buf; /* the plan buffer each block becomes */
    int n;
} blocks;

static int add_block(blocks *b, plan *p, size_t count, int first, int last, const char *what)
{
    b->count = xrealloc(b->count, (size_t)(b->n + 1) * sizeof *b->count);
    b->life = xrealloc(b->life, (size_t)(b->n + 1) * sizeof *b->life);
    b->buf = xrealloc(b->buf, (size_t)(b->n + 1) * sizeof *b->buf);
    b->count[b->n] = align_up(count ? count : 1);
    b->life[b->n] = (plan_life){first, last};
    p->bufs = xrealloc(p->bufs, (size_t)(p->num_bufs + 1) * sizeof *p->bufs);
    buffer *bf = &p->bufs[p->num_bufs];
    memset(bf, 0, sizeof *bf);
    bf->count = b->count[b->n];
    snprintf(bf->what, sizeof bf->what, "%s", what);
    b->buf[b->n] = p->num_bufs++;
    return b->n++;
}

/* The last step that reads root value r (the model's logits: past the end,
 * when the probabilities are taken). */
static int last_read(const model *m, int r)
{
    int last = -1;
    for (int i = 0; i < m->num_nodes; i++) {
        const gnode *n = &m->nodes[i];
        for (int k = 0; k < n->num_in && !n->folded && n->infer_fold < 0; k++)
            if (value_root_infer(m, n->in[k]) == r)
                last = i;
    }
    return r == value_root_infer(m, m->logits_value) ? m->num_nodes : last;
}

/* Every block of the inference pass with its life; p gets one buffer each. */
static void infer_blocks(model *m, plan *p, blocks *b)
{
    memset(p, 0, sizeof *p);
    char what[96];
    for (int v = 0; v < m->num_values; v++)
        m->values[v].buf = m->values[v].grad_buf = -1;
    for (int i = 0; i < m->num_nodes; i++) {
        gnode *n = &m->nodes[i];
        gvalue *v = &m->values[n->out];
        n->saved_buf = n->batch_buf = -1;
        if (n->folded || n->op->infer_identity) /* (dropout: its input, at inference) */
            continue;
        int at = write_step(m, i);
        if (v->view_of < 0 && !v->not_kept && n->infer_folded < 0) { /* folded: writes the next's */
            snprintf(what, sizeof what, "%s output", n->id);
            int k = add_block(b, p, (size_t)v->shape.h * v->shape.w * v->shape.c, at,
                              last_read(m, n->out), what);
            v->buf = b->buf[k];
        }
        if (n->saved_bytes) { /* written for a backward pass that inference has not */
            snprintf(what, sizeof what, "%s window positions (unused here)", n->id);
            int k = add_block(b, p, (n->saved_bytes + 3) / 4, at, at, what);
            n->saved_buf = b->buf[k];
        }
        if (n->batch_floats) {
            snprintf(what, sizeof what, "%s batch statistics", n->id);
            int k = add_block(b, p, n->batch_floats, at, at, what);
            n->batch_buf = b->buf[k];
        }
    }
}

static void blocks_free(blocks *b) { free(b->count), free(b->life), free(b->buf); }

int plan_infer(model *m, plan *p)
{
    blocks b = {0};
    infer_blocks(m, p, &b);
    size_t *offset = xmalloc((size_t)(b.n ? b.n : 1) * sizeof *offset);
    size_t arena = plan_pack(b.n, b.count, b.life, offset);
    for (int k = 0; k < b.n; k++)
        snprintf(p->bufs[b.buf[k]].name, sizeof p->bufs[0].name, "(nnc_arena + %zu)", offset[k]);
    p->bytes = arena * sizeof(float);
    p->infer_only = 1;
    p->dx_region = xcalloc((size_t)m->num_nodes * NODE_MAX_INPUTS, sizeof(int));
    free(offset), blocks_free(&b);
    return 0;
}

/* The step at which the most is alive, and what: activations first, then
 * scratch (a kernel's own buffers), in bytes, 64-byte aligned as packed. No
 * arena can be smaller than this sum; plan_pack's usually equals it. */
size_t plan_infer_peak(model *m, strbuf *out)
{
    plan p;
    blocks b = {0};
    infer_blocks(m, &p, &b);
    size_t best = 0;
    int at = 0;
    for (int s = 0; s <= m->num_nodes; s++) {
        size_t live = 0;
        for (int k = 0; k < b.n; k++)
            live += b.life[k].first <= s && s <= b.life[k].last ? b.count[k] : 0;
        if (live > best)
            best = live, at = s;
    }
    strbuf parts[2] = {{0}, {0}}; /* activations, scratch */
    for (int k = 0; k < b.n; k++) {
        char id[96];
        snprintf(id, sizeof id, "%s", p.bufs[b.buf[k]].what);
        char *cut = strstr(id, " output");
        strbuf *t = &parts[!cut];
        if (b.life[k].first > at || at > b.life[k].last)
            continue;
        if (cut)
            *cut = '\0';
        sb_printf(t, "%s%s %zu", t->len ? " + " : " ", id, b.count[k] * sizeof(float));
    }
    sb_printf(out, "%zu bytes alive at once, at %s: activations%s; scratch%s", best * sizeof(float),
              at < m->num_nodes ? m->nodes[at].id : "the probabilities",
              parts[0].len ? parts[0].data : " none", parts[1].len ? parts[1].data : " none");
    sb_free(&parts[0]), sb_free(&parts[1]);
    blocks_free(&b), plan_free(&p);
    return best * sizeof(float);
}
