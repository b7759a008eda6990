/* plan.c — the static memory plan: every buffer the trainer uses, sized at
 * compile time for the batch, so the training step never allocates.
 *   - parameters (with their gradients and optimizer slots) and, apart from
 *     them, the state block (moving statistics), never seen by the optimizer;
 *   - one activation buffer per value that is kept (views share their
 *     input's; a value made and used inside one fused kernel has none);
 *   - per node, what it keeps from forward to backward: per sample (max
 *     pooling's window positions) and per batch (batch statistics);
 *   - the gradient arena: each value's gradient lives from the backward step
 *     that first writes it to the last step that reads it, and regions whose
 *     lifetimes do not overlap share memory. A value with several consumers
 *     gets its gradient summed: the first writer stores, each later one
 *     writes a temporary region that is then added in;
 *   - kernel scratch, the largest any node needs. */
#include "nnc.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN_FLOATS 16 /* 64-byte alignment of every tensor, for SIMD loads */
#define PLAN_MAX_BYTES ((size_t)2047 << 20) /* static data of the small code model, less code */

static size_t align_up(size_t n) { return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS; }

/* count * batch without overflow; 0 when it would not fit */
static size_t mul_checked(size_t a, size_t b)
{
    return a && b > SIZE_MAX / 4 / a ? 0 : a * b;
}

static int add_buffer(plan *p, const char *name, size_t count, const char *what)
{
    p->bufs = xrealloc(p->bufs, (size_t)(p->num_bufs + 1) * sizeof *p->bufs);
    buffer *b = &p->bufs[p->num_bufs];
    snprintf(b->name, sizeof b->name, "%s", name);
    snprintf(b->what, sizeof b->what, "%s", what);
    b->count = count;
    return p->num_bufs++;
}

/* Trainable tensors in the parameter block, state tensors in the state
 * block, each aligned. */
static void place_tensors(model *m)
{
    size_t off[2] = {0, 0};
    for (int i = 0; i < m->num_nodes; i++)
        for (int k = 0; k < m->nodes[i].num_t; k++) {
            tensor *t = &m->nodes[i].t[k];
            t->offset = off[t->kind];
            off[t->kind] = align_up(off[t->kind] + t->count);
        }
    m->param_block = off[TENSOR_TRAINABLE];
    m->state_block = off[TENSOR_STATE];
}

/* "a02" for item 2's node, "a02_activation" for a second node of that item. */
static void buf_name(const model *m, const gnode *n, const char *prefix, char *out, size_t len)
{
    int first = n == m->nodes || n[-1].index != n->index;
    if (first)
        snprintf(out, len, "%s%02d", prefix, n->index);
    else
        snprintf(out, len, "%s%02d_%s", prefix, n->index, n->op->name);
}

static void shape_what(char *what, size_t len, const char *id, const char *kind, size_t B,
                       shape3 s)
{
    if (s.flat)
        snprintf(what, len, "%s %s (%zu, %d)", id, kind, B, s.c);
    else
        snprintf(what, len, "%s %s (%zu, %d, %d, %d)", id, kind, B, s.h, s.w, s.c);
}

/* The forward buffers of node n: its output, what it keeps for backward. */
static int plan_node(model *m, plan *p, gnode *n)
{
    size_t B = (size_t)m->batch_size;
    gvalue *v = &m->values[n->out];
    size_t vol = (size_t)v->shape.h * v->shape.w * v->shape.c, all = mul_checked(vol, B);
    char name[48], what[96];
    if (!all) {
        diag_error(n->loc, "%s: batch of %zu outputs does not fit in memory", n->ctx, vol * B);
        return -1;
    }
    if (v->view_of < 0 && !v->not_kept) {
        buf_name(m, n, "a", name, sizeof name);
        shape_what(what, sizeof what, n->id, "output", B, v->shape);
        v->buf = add_buffer(p, name, align_up(all), what);
    }
    if (n->saved_bytes) { /* e.g. max pooling's window positions, bytes in float slots */
        size_t bytes = mul_checked(n->saved_bytes, B);
        buf_name(m, n, "m", name, sizeof name);
        snprintf(what, sizeof what, "%s kept for backward (%zu bytes)", n->id, bytes);
        n->saved_buf = add_buffer(p, name, align_up((bytes + sizeof(float) - 1) / sizeof(float)),
                                  what);
    }
    if (n->batch_floats) { /* e.g. batch statistics, for backward and the state update */
        buf_name(m, n, "s", name, sizeof name);
        snprintf(what, sizeof what, "%s batch statistics (%zu values)", n->id, n->batch_floats);
        n->batch_buf = add_buffer(p, name, align_up(n->batch_floats), what);
    }
    size_t need = n->scratch;
    if (n->num_t && n->t[0].count > need)
        need = n->t[0].count;
    p->scratch = need > p->scratch ? need : p->scratch;
    return 0;
}

/* ---- the gradient arena ---- */

static int add_region(plan *p, int value, size_t count, const char *name, const char *what)
{
    p->grads = xrealloc(p->grads, (size_t)(p->num_grads + 1) * sizeof *p->grads);
    grad_region *g = &p->grads[p->num_grads];
    memset(g, 0, sizeof *g);
    g->value = value;
    g->count = align_up(count);
    snprintf(g->name, sizeof g->name, "%s", name);
    snprintf(g->what, sizeof g->what, "%s", what);
    return p->num_grads++;
}

/* The value whose gradient node n's backward reads: its own output's, or,
 * when it computes a node whose input gradient it also does, that node's. */
int plan_dy_value(const model *m, const gnode *n)
{
    if (n->absorbs >= 0 && m->nodes[n->absorbs].bwd_absorbed)
        return m->nodes[n->absorbs].out;
    return n->out;
}

/* Does node n's backward write the gradient of its input k? */
int plan_writes_dx(const model *m, const gnode *n, int k)
{
    /* add: [a, a] writes a's gradient twice: the second part is added in */
    return !n->op->view && !n->bwd_absorbed && node_in(m, n, k)->needs_grad;
}

/* The region a root value's gradient gets, made on first use. */
static int root_region(model *m, plan *p, int root)
{
    gvalue *v = &m->values[root];
    if (v->grad_buf >= 0)
        return v->grad_buf;
    const gnode *n = &m->nodes[v->producer];
    char name[48], what[96];
    buf_name(m, n, "d", name, sizeof name);
    shape_what(what, sizeof what, n->id, "output gradient", (size_t)m->batch_size, v->shape);
    size_t count = (size_t)v->shape.h * v->shape.w * v->shape.c * (size_t)m->batch_size;
    return v->grad_buf = add_region(p, root, count, name, what);
}

static void touch(plan_life *lf, int region, int step)
{
    if (lf[region].first < 0 || step < lf[region].first)
        lf[region].first = step;
    if (step > lf[region].last)
        lf[region].last = step;
}

/* Regions and their lifetimes over the backward steps. dx_region[node *
 * NODE_MAX_INPUTS + k]: where node's backward writes input k's gradient (-1:
 * nowhere); the first writer of a value gets its region, later writers a
 * temporary one. */
static plan_life *grad_regions(model *m, plan *p, int *dx_region)
{
    size_t cap = (size_t)m->num_values * (NODE_MAX_INPUTS + 1) + 1;
    plan_life *lf = xmalloc(cap * sizeof *lf);
    for (size_t i = 0; i < cap; i++)
        lf[i] = (plan_life){-1, -1};
    int out = value_root(m, m->logits_value);
    touch(lf, root_region(m, p, out), 0); /* the loss writes dL/dlogits */
    int step = 1, *written = xcalloc((size_t)m->num_values, sizeof(int));
    written[out] = 1;
    for (int i = m->num_nodes - 1; i >= 0; i--) {
        const gnode *n = &m->nodes[i];
        if (!node_has_bwd(m, n) || n->folded)
            continue;
        int dy = value_root(m, plan_dy_value(m, n));
        if (!m->values[dy].grad_not_kept)
            touch(lf, root_region(m, p, dy), step);
        for (int k = 0; k < n->num_in; k++) {
            dx_region[i * NODE_MAX_INPUTS + k] = -1;
            if (!plan_writes_dx(m, n, k))
                continue;
            int r = value_root(m, n->in[k]);
            if (m->values[r].grad_not_kept)
                continue;
            int main = root_region(m, p, r), at = main;
            if (written[r]++) { /* a later consumer: its part, added to the value's */
                char name[48];
                snprintf(name, sizeof name, "%s_%d", p->grads[main].name, written[r]);
                at = add_region(p, r, p->grads[main].count, name, "a later consumer's part");
            }
            touch(lf, main, step);
            touch(lf, at, step);
            dx_region[i * NODE_MAX_INPUTS + k] = at;
        }
        step++;
    }
    free(written);
    return lf;
}

/* Placement in one order: each block goes to the lowest offset where it
 * overlaps no block placed before it that is alive at the same time. */
static size_t place_in_order(int n, const size_t *count, const plan_life *lf, const int *order,
                             size_t *offset)
{
    size_t arena = 0;
    for (int a = 0; a < n; a++) {
        int i = order[a];
        size_t at = 0;
        for (int again = 1; again;) {
            again = 0;
            for (int b = 0; b < a; b++) {
                int j = order[b];
                int alive = lf[j].first <= lf[i].last && lf[i].first <= lf[j].last;
                if (alive && at < offset[j] + count[j] && offset[j] < at + count[i]) {
                    at = offset[j] + count[j];
                    again = 1;
                }
            }
        }
        offset[i] = at;
        arena = at + count[i] > arena ? at + count[i] : arena;
    }
    return arena;
}

static const size_t *sort_count;
static int by_size(const void *a, const void *b)
{
    size_t x = sort_count[*(const int *)a], y = sort_count[*(const int *)b];
    return x != y ? (x < y) - (x > y) : *(const int *)a - *(const int *)b;
}

size_t plan_pack(int n, const size_t *count, const plan_life *lf, size_t *offset)
{
    int *order = xmalloc((size_t)(n ? n : 1) * sizeof *order);
    size_t *off[2] = {xmalloc((size_t)(n ? n : 1) * sizeof(size_t)),
                      xmalloc((size_t)(n ? n : 1) * sizeof(size_t))};
    for (int i = 0; i < n; i++)
        order[i] = i;
    size_t by_use = place_in_order(n, count, lf, order, off[0]);
    sort_count = count;
    qsort(order, (size_t)n, sizeof *order, by_size);
    size_t by_count = place_in_order(n, count, lf, order, off[1]);
    int best = by_count <= by_use;
    memcpy(offset, off[best], (size_t)n * sizeof *offset);
    free(order), free(off[0]), free(off[1]);
    return best ? by_count : by_use;
}

static size_t pack_regions(plan *p, const plan_life *lf)
{
    int n = p->num_grads;
    size_t *count = xmalloc((size_t)(n ? n : 1) * sizeof *count);
    size_t *offset = xmalloc((size_t)(n ? n : 1) * sizeof *offset);
    for (int i = 0; i < n; i++)
        count[i] = p->grads[i].count;
    size_t arena = plan_pack(n, count, lf, offset);
    for (int i = 0; i < n; i++)
        p->grads[i].offset = offset[i];
    free(count), free(offset);
    return arena;
}

/* Bytes of one node's own buffers: activations, what it keeps for the
 * backward pass, its tensors with their gradients and optimizer slots. */
static size_t node_bytes(const model *m, const plan *p, const gnode *n)
{
    size_t floats = 0;
    const gvalue *v = node_out(m, n);
    if (v->buf >= 0 && v->view_of < 0)
        floats += p->bufs[v->buf].count;
    if (n->saved_buf >= 0)
        floats += p->bufs[n->saved_buf].count;
    for (int k = 0; k < n->num_t; k++)
        floats += n->t[k].count * (n->t[k].kind == TENSOR_STATE ? 1 : 2 + (size_t)p->opt_slots);
    return floats * sizeof(float);
}

/* Every buffer is a static array: with the C compilers' default (small) code
 * model all of them together must stay under 2 GiB, or the link fails with a
 * screen of relocation errors. Refused here, at nnc check, by name. */
static int check_limit(const model *m, const plan *p)
{
    if (p->bytes <= PLAN_MAX_BYTES)
        return 0;
    const gnode *big = &m->nodes[0];
    for (int i = 1; i < m->num_nodes; i++)
        if (node_bytes(m, p, &m->nodes[i]) > node_bytes(m, p, big))
            big = &m->nodes[i];
    diag_error(big->loc, "the memory plan needs %.1f MiB at batch %d, more than nnc's limit of "
                         "%d MiB (static buffers); %s's buffers are the largest (%.1f MiB): lower "
                         "fit: batch_size, the image size or this layer's size",
               p->bytes / 1048576.0, m->batch_size, (int)(PLAN_MAX_BYTES >> 20), big->ctx,
               node_bytes(m, p, big) / 1048576.0);
    return -1;
}

int plan_build(model *m, plan *p)
{
    memset(p, 0, sizeof *p);
    place_tensors(m);
    p->opt_slots = optimizer_slots(m);
    for (int v = 0; v < m->num_values; v++)
        m->values[v].buf = m->values[v].grad_buf = -1;
    for (int i = 0; i < m->num_nodes; i++)
        if (plan_node(m, p, &m->nodes[i]))
            return -1;
    p->dx_region = xmalloc((size_t)m->num_nodes * NODE_MAX_INPUTS * sizeof(int));
    plan_life *lf = grad_regions(m, p, p->dx_region);
    p->grad_arena = pack_regions(p, lf);
    free(lf);
    size_t B = (size_t)m->batch_size;
    size_t floats = m->param_block * (2 + (size_t)p->opt_slots) + m->state_block + p->grad_arena +
                    p->scratch + align_up(B * (size_t)m->num_classes); /* probabilities */
    if (m->num_augment) /* augmentation: an image and a scratch image per sample */
        floats += 2 * B * (size_t)m->data_h * (size_t)m->data_w * (size_t)m->input.c;
    for (int i = 0; i < p->num_bufs; i++)
        floats += p->bufs[i].count;
    p->bytes = floats * sizeof(float);
    return check_limit(m, p);
}

void plan_free(plan *p)
{
    free(p->bufs);
    free(p->grads);
    free(p->dx_region);
    memset(p, 0, sizeof *p);
}
