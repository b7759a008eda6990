/* plan.c — the static memory plan: every buffer the trainer uses, sized at
 * compile time for the batch, so the training step never allocates. */
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

static void add_buffer(plan *p, const char *name, size_t count, const char *what)
{
    p->bufs = xrealloc(p->bufs, (size_t)(p->num_bufs + 1) * sizeof *p->bufs);
    buffer *b = &p->bufs[p->num_bufs++];
    snprintf(b->name, sizeof b->name, "%s", name);
    snprintf(b->what, sizeof b->what, "%s", what);
    b->count = count;
}

static void place_params(model *m)
{
    size_t off = 0;
    for (int i = 0; i < m->num_layers; i++)
        for (int k = 0; k < m->layers[i].num_params; k++) {
            m->layers[i].params[k].offset = off;
            off = align_up(off + m->layers[i].params[k].count);
        }
    m->param_block = off;
}

/* Bytes of one layer's own buffers: activations, what it keeps for the
 * backward pass, its parameters with their gradients and optimizer slots. */
static size_t layer_bytes(const model *m, const plan *p, const layer *l)
{
    size_t floats = 0;
    for (int i = 0; i < p->num_bufs; i++)
        if ((size_t)i == l->act || (l->saved_bytes && i == l->saved_buf))
            floats += p->bufs[i].count;
    for (int k = 0; k < l->num_params; k++)
        floats += l->params[k].count * (2 + (size_t)p->opt_slots);
    (void)m;
    return floats * sizeof(float);
}

/* Every buffer is a static array: with the C compilers' default (small) code
 * model all of them together must stay under 2 GiB, or the link fails with a
 * screen of relocation errors. Refused here, at nnc check, by name. */
static int check_limit(const model *m, const plan *p)
{
    if (p->bytes <= PLAN_MAX_BYTES)
        return 0;
    const layer *big = &m->layers[0];
    for (int i = 1; i < m->num_layers; i++)
        if (layer_bytes(m, p, &m->layers[i]) > layer_bytes(m, p, big))
            big = &m->layers[i];
    diag_error(big->loc, "the memory plan needs %.1f MiB at batch %d, more than nnc's limit of "
                         "%d MiB (static buffers); %s's buffers are the largest (%.1f MiB): lower "
                         "fit: batch_size, the image size or this layer's size",
               p->bytes / 1048576.0, m->batch_size, (int)(PLAN_MAX_BYTES >> 20), big->ctx,
               layer_bytes(m, p, big) / 1048576.0);
    return -1;
}

int plan_build(model *m, plan *p)
{
    memset(p, 0, sizeof *p);
    place_params(m);
    p->opt_slots = m->optimizer == OPT_SGD ? 1 : 2;
    size_t B = (size_t)m->batch_size, biggest = 0;
    for (int i = 0; i < m->num_layers; i++) {
        layer *l = &m->layers[i];
        size_t vol = (size_t)l->out.h * l->out.w * l->out.c, all = mul_checked(vol, B);
        if (!all) {
            diag_error(l->loc, "%s: batch of %zu outputs does not fit in memory", l->ctx, vol * B);
            return -1;
        }
        /* activation gradients: a conv whose kernel gradient reads the pool
         * after it (pool_bwd_fused) never has its own */
        if (!(i + 1 < m->num_layers && pool_bwd_fused(m, &m->layers[i + 1])))
            biggest = all > biggest ? all : biggest;
        if (l->op->aliases_input) {
            l->act = i ? m->layers[i - 1].act : (size_t)-1;
            continue;
        }
        char name[8], what[96];
        snprintf(name, sizeof name, "a%02d", l->index);
        if (l->out.flat)
            snprintf(what, sizeof what, "%s output (%zu, %d)", l->id, B, l->out.c);
        else
            snprintf(what, sizeof what, "%s output (%zu, %d, %d, %d)", l->id, B, l->out.h,
                     l->out.w, l->out.c);
        l->act = (size_t)p->num_bufs;
        if (i + 1 < m->num_layers && pool_fused(m, &m->layers[i + 1])) {
            snprintf(what, sizeof what, "%s output: not kept (pooled by the same kernel)",
                     l->id);
            add_buffer(p, name, ALIGN_FLOATS, what);
        } else {
            add_buffer(p, name, align_up(all), what);
        }
        if (l->saved_bytes) { /* e.g. max pooling's argmax, bytes in float slots */
            size_t bytes = mul_checked(l->saved_bytes, B);
            snprintf(name, sizeof name, "m%02d", l->index);
            snprintf(what, sizeof what, "%s kept for backward (%zu bytes)", l->id, bytes);
            l->saved_buf = p->num_bufs;
            add_buffer(p, name, align_up((bytes + sizeof(float) - 1) / sizeof(float)), what);
        }
        size_t need = l->num_params && l->params[0].count > l->scratch ? l->params[0].count
                                                                       : l->scratch;
        if (l->op == op_find("conv2d"))
            need += conv_pool_buffers(m, l);
        p->scratch = need > p->scratch ? need : p->scratch;
    }
    p->grad_count = align_up(biggest);
    size_t floats = m->param_block * (2 + (size_t)p->opt_slots) + 2 * p->grad_count + p->scratch +
                    align_up(B * (size_t)m->num_classes); /* probabilities */
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
    memset(p, 0, sizeof *p);
}
