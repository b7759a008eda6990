/* export.c — `nnc SPEC --predict --weights W -o classifier.c`: a trained
 * classifier as a .c/.h pair another program compiles, from the inference
 * path of the graph (dropout gone, activations folded, the same fusions as
 * the trainer's). The weights are static const arrays of exact float bit
 * patterns (hex float literals); all activations live in one arena whose
 * size is the inference plan's (plan_infer.c); no malloc, no I/O, no global
 * state beyond that arena, C99 and libm only. The kernels come out twice:
 * portable scalar code, the default, and the SIMD target's (SIMDe), chosen
 * by defining PREFIX_SIMD. Both files are written only when all went well. */
#include "nnc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The symbol prefix: --prefix as given (a C identifier), or the model name
 * made into one by nnc. */
static char *make_prefix(const model *m, const char *given)
{
    if (given) {
        int ok = *given && strlen(given) <= 40 && (isalpha((unsigned char)*given) || *given == '_');
        for (const char *p = given; ok && *p; p++)
            ok = isalnum((unsigned char)*p) || *p == '_';
        if (!ok) {
            fputs("nnc: error: --prefix ", stderr);
            diag_put_escaped(stderr, given);
            fputs(": expected a C identifier of at most 40 letters, digits and '_', not "
                  "starting with a digit\n", stderr);
            return NULL;
        }
        return xstrdup(given);
    }
    char *s = xasprintf("%s%s", isdigit((unsigned char)m->name[0]) ? "m_" : "", m->name);
    for (char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p))
            *p = '_';
    return s;
}

static char *upper(const char *s)
{
    char *u = xstrdup(s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

/* The header's name, as the .c includes it: the output's base name with .h,
 * made of characters that need no escaping in an #include. */
static char *header_path(const char *out, const char **base)
{
    size_t len = strlen(out);
    if (len < 3 || strcmp(out + len - 2, ".c")) {
        fputs("nnc: error: --predict: -o must name a .c file (the .h goes beside it)\n", stderr);
        return NULL;
    }
    const char *b = strrchr(out, '/');
    b = b ? b + 1 : out;
    for (const char *p = b; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') {
            fputs("nnc: error: --predict: the file name ", stderr);
            diag_put_escaped(stderr, b);
            fputs(" must be letters, digits, '_', '-' or '.' (the .c includes the .h by it)\n",
                  stderr);
            return NULL;
        }
    char *h = xstrdup(out);
    h[len - 1] = 'h';
    *base = strrchr(h, '/') ? strrchr(h, '/') + 1 : h;
    return h;
}

/* One variant: the kernels, the probabilities, and the inference forward
 * pass of one sample for target TARGET, which returns the logits. */
static int emit_variant(model *m, const char *target, strbuf *out, size_t *arena_floats)
{
    if (target_set(m, target))
        return -1;
    fuse_graph(m);
    plan p;
    plan_infer(m, &p);
    emit_ctx e = {out, m, &p, MODE_INFER};
    if (m->vw) {
        subst s;
        emit_lit_int(&s, "VW", m->vw);
        template_emit(out, "simd_prelude", &s, 1);
    }
    for (int i = 0; i < m->num_nodes; i++)
        if (!m->nodes[i].folded)
            m->nodes[i].op->emit(&e, &m->nodes[i]);
    loss_emit(&e);
    sb_printf(out, "\n/* The inference forward pass of one sample; the arena holds %zu floats. */\n"
                   "static const nnc_real *nnc_infer(const nnc_real *x, nnc_real *nnc_arena)\n{\n"
                   "    const int n = 1;\n", p.bytes / sizeof(float));
    for (int i = 0; i < m->num_nodes; i++) {
        const gnode *n = &m->nodes[i];
        if (n->folded)
            continue;
        char *shape = shape_str(node_out(m, n)->shape);
        sb_puts(out, "    /* ");
        c_comment_text(out, m->spec_path);
        sb_printf(out, ":%d: %s -> %s */\n", n->loc.line, n->ctx, shape);
        free(shape);
        n->op->call_fwd(&e, n, MODE_INFER);
    }
    sb_printf(out, "    (void)n, (void)nnc_arena;\n    return %s;\n}\n",
              emit_act(&e, m->logits_value));
    *arena_floats = p.bytes / sizeof(float);
    plan_free(&p);
    return 0;
}

/* The trainer's kernels parallelise with OpenMP; the export is one thread,
 * and C99 -Wall must not see an unknown pragma. */
static void strip_omp(strbuf *sb)
{
    char *r = sb->data, *w = sb->data;
    while (*r) {
        char *eol = strchr(r, '\n');
        size_t len = eol ? (size_t)(eol - r + 1) : strlen(r);
        const char *t = r;
        while (*t == ' ')
            t++;
        if (strncmp(t, "#pragma omp", 11)) {
            memmove(w, r, len);
            w += len;
        }
        r += len;
    }
    *w = '\0';
    sb->len = (size_t)(w - sb->data);
}

/* The values of a block as C99 hex float literals: exact bit patterns. */
static void emit_floats(strbuf *out, const char *name, const float *v, size_t count)
{
    sb_printf(out, "NNC_MAYBE_UNUSED static const nnc_real %s[%zu] = {", name, count ? count : 1);
    for (size_t i = 0; i < count; i++)
        sb_printf(out, "%s%af,", i % 6 ? " " : "\n    ", (double)v[i]);
    sb_puts(out, count ? "\n};\n" : "0};\n");
}

static void emit_header(strbuf *h, const model *m, const char *P, const char *U, size_t arena,
                        size_t flash, const export_weights *w)
{
    sb_puts(h, "/* generated by nnc " NNC_VERSION " from ");
    c_comment_text(h, m->spec_path);
    sb_printf(h, " (architecture sha256 %s) — do not edit.\n"
                 " * A trained classifier: no malloc, no I/O, C99 and libm only. */\n"
                 "#ifndef %s_H\n#define %s_H\n\n", m->arch_sha256, U, U);
    sb_printf(h, "#define %s_H_IN %d /* input: height, width, channels (raw pixels, 0..255) */\n"
                 "#define %s_W_IN %d\n#define %s_C_IN %d\n#define %s_CLASSES %d\n",
              U, m->input.h, U, m->input.w, U, m->input.c, U, m->num_classes);
    sb_printf(h, "/* the arena of %s_predict_r, and the RAM of the whole classifier */\n"
                 "#define %s_ARENA_BYTES %zu\n#define %s_RAM_BYTES %zu\n"
                 "/* constant data (weights, class names); the code comes on top */\n"
                 "#define %s_FLASH_BYTES %zu\n\n",
              P, U, arena * sizeof(float), U, arena * sizeof(float), U, flash);
    sb_printf(h, "extern const char *const %s_class_names[%s_CLASSES];\n\n", P, U);
    sb_printf(h, "/* Class probabilities of one image into probs; returns the most probable\n"
                 " * class (the first of equals). input: pixels as the trainer's predict sees\n"
                 " * them after decoding and resizing; the model's preprocessing is inside.\n"
                 " * Not reentrant: it uses one static arena. */\n"
                 "int %s_predict(const float input[%s_H_IN][%s_W_IN][%s_C_IN],\n"
                 "    float probs[%s_CLASSES]);\n", P, U, U, U, U);
    sb_printf(h, "/* The same with the caller's arena of %s_ARENA_BYTES, aligned for float:\n"
                 " * one arena per thread makes it reentrant. */\n"
                 "int %s_predict_r(const float input[%s_H_IN][%s_W_IN][%s_C_IN],\n"
                 "    float probs[%s_CLASSES], void *arena);\n\n#endif\n", U, P, U, U, U, U);
    (void)w;
}

static void emit_api(strbuf *c, const char *P, const char *U, size_t arena)
{
    sb_printf(c, "\nint %s_predict_r(const float input[%s_H_IN][%s_W_IN][%s_C_IN],\n"
                 "    float probs[%s_CLASSES], void *arena)\n{\n"
                 "    const nnc_real *logits = nnc_infer(&input[0][0][0], (nnc_real *)arena);\n"
                 "    nnc_output_probs(probs, logits, 1);\n    int best = 0;\n"
                 "    for (int k = 1; k < %s_CLASSES; k++)\n"
                 "        best = probs[k] > probs[best] ? k : best;\n    return best;\n}\n\n",
              P, U, U, U, U, U);
    sb_printf(c, "static float %s_arena[%zu]; /* the one arena of %s_predict */\n\n"
                 "int %s_predict(const float input[%s_H_IN][%s_W_IN][%s_C_IN],\n"
                 "    float probs[%s_CLASSES])\n{\n    return %s_predict_r(input, probs, %s_arena);\n}\n",
              P, arena ? arena : 1, P, P, U, U, U, U, P, P);
}

/* The kernels and biases of layers with the node after them folded in at
 * inference (batch normalization), computed now from the trained tensors. */
static size_t emit_folded(strbuf *c, const model *m, const export_weights *w)
{
    size_t bytes = 0;
    for (int i = 0; i < m->num_nodes; i++) {
        const gnode *n = &m->nodes[i];
        if (n->infer_folded < 0)
            continue;
        const gnode *f = &m->nodes[n->infer_folded];
        size_t oc = (size_t)node_out(m, n)->shape.c;
        float *fk = xmalloc(n->t[0].count * sizeof *fk), *fb = xmalloc(oc * sizeof *fb);
        f->op->fold_consts(m, f, n, w->params, w->state, fk, fb);
        char *kn = xasprintf("%s_fk", n->id), *bn = xasprintf("%s_fb", n->id);
        sb_printf(c, "/* %s's kernel and bias with %s folded in */\n", n->id, f->id);
        emit_floats(c, kn, fk, n->t[0].count);
        emit_floats(c, bn, fb, oc);
        bytes += (n->t[0].count + oc) * sizeof(float);
        free(fk), free(fb), free(kn), free(bn);
    }
    return bytes;
}

/* Constant data: the weights' bytes and the class names'. */
static size_t flash_bytes(const model *m, const export_weights *w)
{
    size_t bytes = (m->param_block + m->state_block) * sizeof(float);
    for (int k = 0; k < w->num_class_names; k++)
        bytes += strlen(w->class_names[k]) + 1 + sizeof(char *);
    return bytes;
}

static int emit_source(model *m, const export_opts *o, const export_weights *w, const char *P,
                       const char *U, const char *hbase, strbuf *c, strbuf *h)
{
    strbuf scalar = {0}, simd = {0};
    size_t arena[2] = {0, 0};
    const char *simd_target = o->target ? o->target : "host";
    int rc = emit_variant(m, "scalar", &scalar, &arena[0]);
    int has_simd = !rc && target_set(m, simd_target) == 0 && m->vw;
    if (has_simd)
        rc = emit_variant(m, m->target, &simd, &arena[1]);
    size_t most = arena[0] > arena[1] ? arena[0] : arena[1];
    if (!rc) {
        sb_puts(c, "/* generated by nnc " NNC_VERSION " from ");
        c_comment_text(c, m->spec_path);
        sb_puts(c, " and ");
        c_comment_text(c, o->weights);
        sb_printf(c, " — do not edit.\n * Portable scalar kernels; define %s_SIMD for the %s "
                     "kernels (SIMDe headers needed). */\n",
                  U, has_simd ? m->target : "(none: scalar only)");
        sb_printf(c, "#include \"%s\"\n\n", hbase);
        template_emit(c, "prelude", NULL, 0);
        /* the batch the templates' sample groups need (their unused backward kernels) */
        sb_printf(c, "#define NNC_BATCH %d\n", m->batch_size);
        emit_floats(c, "nnc_params", w->params, m->param_block);
        emit_floats(c, "nnc_state", w->state, m->state_block);
        size_t folded = emit_folded(c, m, w);
        sb_printf(c, "\nconst char *const %s_class_names[%s_CLASSES] = {", P, U);
        for (int k = 0; k < w->num_class_names; k++) {
            sb_puts(c, k ? ", " : "");
            c_string_lit(c, w->class_names[k]);
        }
        sb_puts(c, "};\n\n");
        if (has_simd)
            sb_printf(c, "#ifdef %s_SIMD\n%s#else /* portable scalar kernels */\n%s#endif\n", U,
                      simd.data, scalar.data);
        else
            sb_puts(c, scalar.data);
        emit_api(c, P, U, most);
        strip_omp(c);
        emit_header(h, m, P, U, most, flash_bytes(m, w) + folded, w);
    }
    sb_free(&scalar), sb_free(&simd);
    return rc;
}

/* Both files through temporary names, renamed only once both are written. */
static int write_pair(const char *cpath, const char *hpath, const strbuf *c, const strbuf *h)
{
    const char *paths[2] = {hpath, cpath};
    const strbuf *text[2] = {h, c};
    char *tmp[2] = {xasprintf("%s.tmp.%ld", hpath, (long)getpid()),
                    xasprintf("%s.tmp.%ld", cpath, (long)getpid())};
    int ok = 1, err = 0;
    for (int i = 0; i < 2 && ok; i++) {
        FILE *f = fopen(tmp[i], "w");
        ok = f && fwrite(text[i]->data, 1, text[i]->len, f) == text[i]->len;
        ok = f && !fclose(f) && ok;
        err = ok ? 0 : errno;
    }
    for (int i = 0; i < 2 && ok; i++)
        ok = rename(tmp[i], paths[i]) == 0, err = ok ? 0 : errno;
    if (!ok) {
        fputs("nnc: error: cannot write ", stderr);
        diag_put_escaped(stderr, cpath);
        fprintf(stderr, ": %s\n", strerror(err));
    }
    unlink(tmp[0]), unlink(tmp[1]);
    free(tmp[0]), free(tmp[1]);
    return ok ? 0 : -1;
}

int export_classifier(model *m, const export_opts *o)
{
    const char *hbase;
    char *P = make_prefix(m, o->prefix), *hpath = header_path(o->out, &hbase), *U = NULL;
    export_weights w = {0};
    strbuf c = {0}, h = {0};
    int rc = !P || !hpath || export_load_weights(m, o->weights, &w) ? -1 : 0;
    if (!rc && m->num_augment && augment_crops(m)) {
        fputs("nnc: error: --predict: random_crop's inference window is not part of the "
              "export yet; export a model without random_crop\n", stderr);
        rc = -1;
    }
    if (!rc) {
        U = upper(P);
        m->batch_size = 1; /* one sample at a time */
        rc = emit_source(m, o, &w, P, U, hbase, &c, &h);
    }
    if (!rc)
        rc = write_pair(o->out, hpath, &c, &h);
    if (!rc) {
        fputs("nnc: wrote ", stderr);
        diag_put_escaped(stderr, o->out);
        fputs(" and ", stderr);
        diag_put_escaped(stderr, hpath);
        fputc('\n', stderr);
    }
    sb_free(&c), sb_free(&h), export_weights_free(&w);
    free(P), free(U), free(hpath);
    return rc;
}

/* The arena as the header declares it (the larger of the two variants') and,
 * into peak when given, what is alive at once at the peak of that variant's
 * plan (for nnc check, beside the trainer's plan). */
size_t export_arena_bytes(model *m, strbuf *peak)
{
    const char *variants[2] = {"scalar", m->vw ? m->target : NULL};
    strbuf sink = {0}, text[2] = {{0}, {0}};
    size_t arena[2] = {0, 0};
    int batch = m->batch_size;
    m->batch_size = 1;
    for (int k = 0; k < 2 && variants[k]; k++) {
        if (emit_variant(m, variants[k], &sink, &arena[k]))
            arena[k] = 0;
        else if (peak)
            plan_infer_peak(m, &text[k]); /* m is still as emit_variant left it */
    }
    int most = arena[1] > arena[0];
    if (peak && text[most].len)
        sb_printf(peak, "%s kernels' plan: %s", variants[most], text[most].data);
    m->batch_size = batch;
    sb_free(&sink), sb_free(&text[0]), sb_free(&text[1]);
    return arena[most] * sizeof(float);
}
