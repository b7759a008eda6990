/* main.c — the nnc command line. Reads as the pipeline:
 * spec_load (parse + graph + shapes + checks) → target_set → fuse_graph →
 * plan_build → emit_trainer → write → build. */
#include "nnc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs("usage: nnc SPEC.yaml [-o trainer.c] [--target T]\n"
          "                                        compile a spec to C (stdout without -o)\n"
          "       nnc check SPEC.yaml [-v]         validate and print the layer table\n"
          "                                        (-v: also what the fusion pass fused)\n"
          "       nnc build SPEC.yaml [-o trainer] [--cc CC] [--target T] [--mpi] [-v]\n"
          "                                        compile to C and build the trainer\n"
          "                                        (--mpi: with mpicc against libnncrt_mpi.a,\n"
          "                                        for mpirun -np N trainer fit)\n"
          "       nnc SPEC.yaml --predict --weights W.safetensors -o classifier.c [--prefix P]\n"
          "                                        the trained classifier as C for other\n"
          "                                        programs (+ classifier.h)\n"
          "       T: host (default), scalar, avx2, avx512 or neon\n"
          "       --profile adds per-layer timers (nnc_prof[][2], used by bench/)\n"
          "       nnc --version | --help\n",
          out);
}

/* Writes TEXT to PATH through a temporary file and a rename, so a failed run
 * never leaves a half-written output. */
static int write_output(const char *path, const char *text)
{
    if (!strcmp(path, "-"))
        return fputs(text, stdout) < 0 ? -1 : 0;
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(text, f) >= 0;
    ok = f && !fclose(f) && ok;
    if (ok && rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    int err = errno;
    fputs("nnc: error: cannot write ", stderr);
    diag_put_escaped(stderr, path);
    fprintf(stderr, ": %s\n", strerror(err));
    unlink(tmp);
    free(tmp);
    return -1;
}

typedef struct options {
    const char *cmd, *spec, *out, *cc, *target, *weights, *prefix;
    int verbose, profile, predict, mpi;
} options;

static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    int i = 1;
    if (i < argc && (!strcmp(argv[i], "check") || !strcmp(argv[i], "build")))
        o->cmd = argv[i++];
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") && i + 1 < argc)
            o->out = argv[++i];
        else if (!strcmp(a, "--cc") && i + 1 < argc)
            o->cc = argv[++i];
        else if (!strcmp(a, "--target") && i + 1 < argc)
            o->target = argv[++i];
        else if (!strcmp(a, "-v"))
            o->verbose = 1;
        else if (!strcmp(a, "--profile"))
            o->profile = 1;
        else if (!strcmp(a, "--mpi"))
            o->mpi = 1;
        else if (!strcmp(a, "--predict"))
            o->predict = 1;
        else if (!strcmp(a, "--weights") && i + 1 < argc)
            o->weights = argv[++i];
        else if (!strcmp(a, "--prefix") && i + 1 < argc)
            o->prefix = argv[++i];
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "nnc: error: unknown option '%s'\n", a);
            return -1;
        } else if (!o->spec)
            o->spec = a;
        else {
            fprintf(stderr, "nnc: error: unexpected argument '%s' (one spec at a time)\n", a);
            return -1;
        }
    }
    if (!o->spec) {
        fprintf(stderr, "nnc: error: no spec file given\n");
        return -1;
    }
    if (o->predict && (o->cmd || !o->weights || !o->out)) {
        fprintf(stderr, "nnc: error: --predict needs --weights W.safetensors and -o classifier.c "
                        "(it writes classifier.c and classifier.h)\n");
        return -1;
    }
    if (!o->predict && (o->weights || o->prefix)) {
        fprintf(stderr, "nnc: error: --weights and --prefix go with --predict\n");
        return -1;
    }
    return 0;
}

/* The trainer's file name must name a file: not a folder, ".", "..". */
static int check_exe_name(const char *exe)
{
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    if (*base && strcmp(base, ".") && strcmp(base, ".."))
        return 0;
    fputs("nnc: error: -o ", stderr);
    diag_put_escaped(stderr, exe);
    fputs(": expected a file name for the trainer, not a folder\n", stderr);
    return -1;
}

static int build(const options *o, const char *text, const model *m)
{
    const char *exe = o->out ? o->out : m->name;
    if (check_exe_name(exe))
        return -1;
    char *c_path = xasprintf("%s.c", exe);
    int rc = write_output(c_path, text) || build_trainer(c_path, exe, o->cc, o->verbose, o->mpi);
    if (!rc) {
        fputs("nnc: built ", stderr);
        diag_put_escaped(stderr, exe);
        fputs(" (C source kept in ", stderr);
        diag_put_escaped(stderr, c_path);
        fputs(")\n", stderr);
    }
    free(c_path);
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--version")) {
        puts("nnc " NNC_VERSION);
        return 0;
    }
    if (parse_args(argc, argv, &o)) {
        usage(stderr);
        return 2;
    }
    model *m = spec_load(o.spec);
    if (!m)
        return 1;
    if (target_set(m, o.target)) {
        model_free(m);
        return 2;
    }
    m->profile = o.profile;
    fuse_graph(m);
    plan p;
    int rc = plan_build(m, &p);
    if (!rc && o.cmd && !strcmp(o.cmd, "check")) {
        shape_print_table(m, stdout);
        if (o.verbose)
            fuse_print(m, stdout);
        printf("Memory plan: %zu bytes at batch %d\n", p.bytes, m->batch_size);
        strbuf peak = {0};
        printf("Export (--predict): RAM %zu bytes (arena), flash %zu bytes of weights "
                   "+ code\n", export_arena_bytes(m, &peak), (m->param_block + m->state_block) * 4);
        if (peak.len)
            printf("  arena: %s\n", peak.data);
        sb_free(&peak);
    } else if (!rc && o.predict) {
        export_opts eo = {o.out, o.weights, o.prefix, o.target};
        rc = export_classifier(m, &eo);
    } else if (!rc) {
        char *text = emit_trainer(m, &p);
        if (o.cmd)
            rc = build(&o, text, m);
        else
            rc = write_output(o.out ? o.out : "-", text);
        free(text);
    }
    plan_free(&p);
    model_free(m);
    return rc ? 1 : 0;
}
