/* options.c — per-command option tables, parsing and --help texts. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum {
    OPT_DATA = 256, OPT_VAL, OPT_EPOCHS, OPT_LIMIT, OPT_WEIGHTS, OPT_INIT, OPT_RESUME,
    OPT_LR, OPT_SEED, OPT_THREADS, OPT_BATCH, OPT_JSON, OPT_TOP,
    OPT_CACHE, OPT_STRICT, OPT_NO_STOP_NAN,
    OPT_N, OPT_OUT, OPT_VAL_FREQ, OPT_STEPS, OPT_VERBOSE, OPT_INITIAL_EPOCH, OPT_PLOT, OPT_HISTORY,
};

#define OPT(name, arg, id) { name, arg, NULL, id }
static const struct option fit_options[] = {
    OPT("data", required_argument, OPT_DATA), OPT("val", required_argument, OPT_VAL),
    OPT("epochs", required_argument, OPT_EPOCHS), OPT("limit", required_argument, OPT_LIMIT),
    OPT("weights", required_argument, OPT_WEIGHTS), OPT("init", required_argument, OPT_INIT),
    OPT("resume", no_argument, OPT_RESUME), OPT("lr", required_argument, OPT_LR),
    OPT("seed", required_argument, OPT_SEED), OPT("threads", required_argument, OPT_THREADS),
    OPT("batch-size", required_argument, OPT_BATCH), OPT("help", no_argument, 'h'),
    OPT("cache", required_argument, OPT_CACHE), OPT("strict", no_argument, OPT_STRICT),
    OPT("no-stop-on-nan", no_argument, OPT_NO_STOP_NAN),
    OPT("validation-freq", required_argument, OPT_VAL_FREQ),
    OPT("steps-per-epoch", required_argument, OPT_STEPS),
    OPT("verbose", required_argument, OPT_VERBOSE),
    OPT("initial-epoch", required_argument, OPT_INITIAL_EPOCH), { 0 },
};
static const struct option evaluate_options[] = {
    OPT("cache", required_argument, OPT_CACHE), OPT("strict", no_argument, OPT_STRICT),
    OPT("data", required_argument, OPT_DATA), OPT("weights", required_argument, OPT_WEIGHTS),
    OPT("limit", required_argument, OPT_LIMIT), OPT("json", no_argument, OPT_JSON),
    OPT("threads", required_argument, OPT_THREADS), OPT("batch-size", required_argument, OPT_BATCH),
    OPT("plot", required_argument, OPT_PLOT), OPT("help", no_argument, 'h'), { 0 },
};
static const struct option predict_options[] = {
    OPT("weights", required_argument, OPT_WEIGHTS), OPT("top", required_argument, OPT_TOP),
    OPT("json", no_argument, OPT_JSON), OPT("threads", required_argument, OPT_THREADS),
    OPT("batch-size", required_argument, OPT_BATCH), OPT("help", no_argument, 'h'), { 0 },
};
static const struct option summary_options[] = { OPT("help", no_argument, 'h'), { 0 } };
static const struct option scan_options[] = {
    OPT("data", required_argument, OPT_DATA), OPT("val", required_argument, OPT_VAL),
    OPT("strict", no_argument, OPT_STRICT), OPT("seed", required_argument, OPT_SEED),
    OPT("cache", required_argument, OPT_CACHE), OPT("threads", required_argument, OPT_THREADS),
    OPT("help", no_argument, 'h'), { 0 },
};

static const struct option augment_preview_options[] = {
    OPT("data", required_argument, OPT_DATA), OPT("out", required_argument, OPT_OUT),
    OPT("n", required_argument, OPT_N), OPT("seed", required_argument, OPT_SEED),
    OPT("limit", required_argument, OPT_LIMIT), OPT("threads", required_argument, OPT_THREADS),
    OPT("help", no_argument, 'h'), { 0 },
};

static const struct option plot_options[] = {
    OPT("weights", required_argument, OPT_WEIGHTS), OPT("history", required_argument, OPT_HISTORY),
    OPT("out", required_argument, OPT_OUT), OPT("help", no_argument, 'h'), { 0 },
};

static const struct option *options_of(const char *cmd)
{
    if (strcmp(cmd, "plot") == 0)
        return plot_options;
    if (strcmp(cmd, "fit") == 0)
        return fit_options;
    if (strcmp(cmd, "evaluate") == 0)
        return evaluate_options;
    if (strcmp(cmd, "predict") == 0)
        return predict_options;
    if (strcmp(cmd, "scan") == 0)
        return scan_options;
    if (strcmp(cmd, "augment-preview") == 0)
        return augment_preview_options;
    return summary_options;
}

int nncrt_parse_int(const char *opt, const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno == ERANGE || v < lo || v > hi)
        return nncrt_error("--%s: expected an integer from %lld to %lld, got '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}

int nncrt_parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    /* strtoull accepts "-1" and wraps it: refuse signs explicitly */
    if (end == s || *end || errno == ERANGE || strchr(s, '-') || strchr(s, '+'))
        return nncrt_error("--%s: expected an integer from 0 to %llu, got '%s'", opt,
                           (unsigned long long)UINT64_MAX, s);
    *out = v;
    return 0;
}

int nncrt_parse_positive(const char *opt, const char *s, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v) || v <= 0 || v > hi)
        return nncrt_error("--%s: expected a number greater than 0 and at most %g, got '%s'", opt, hi, s);
    *out = v;
    return 0;
}

static int parse_batch_size(const nncrt_model *m, const char *arg)
{
    long long v = 0;
    if (nncrt_parse_int("batch-size", arg, 1, INT32_MAX, &v) != 0)
        return -1;
    if (v != m->batch_size)
        return nncrt_error("--batch-size: batch size is fixed at compile time (%d); "
                           "change fit.batch_size in %s and recompile",
                           m->batch_size, m->spec_file ? m->spec_file : "the spec");
    return 0;
}

/* Applies one parsed option to o; -1 after printing an error. */
static int apply(const nncrt_model *m, int id, const char *arg, nncrt_opts *o)
{
    long long v = 0;
    int rc = 0;
    switch (id) {
    case OPT_DATA: o->data = arg; break;
    case OPT_VAL: o->val = arg; break;
    case OPT_WEIGHTS: o->weights = arg; break;
    case OPT_INIT: o->init = arg; break;
    case OPT_RESUME: o->resume = true; break;
    case OPT_JSON: o->json = true; break;
    case OPT_CACHE: o->cache = arg; break;
    case OPT_STRICT: o->strict = true; break;
    case OPT_NO_STOP_NAN: o->no_stop_on_nan = true; break;
    case OPT_OUT: o->out = arg; break;
    case OPT_PLOT: o->plot = arg; break;
    case OPT_HISTORY: o->history = arg; break;
    case OPT_N: rc = nncrt_parse_int("n", arg, 1, 64, &v); o->n = (int)v; break;
    case OPT_EPOCHS: rc = nncrt_parse_int("epochs", arg, 1, 1000000, &v); o->epochs = (int)v; break;
    case OPT_LIMIT: rc = nncrt_parse_int("limit", arg, 1, INT64_MAX, &v); o->limit = (size_t)v; break;
    case OPT_THREADS: rc = nncrt_parse_int("threads", arg, 1, 4096, &v); o->threads = (int)v; break;
    case OPT_TOP: rc = nncrt_parse_int("top", arg, 1, m->num_classes, &v); o->top = (int)v; break;
    case OPT_SEED: rc = nncrt_parse_u64("seed", arg, &o->seed); o->has_seed = true; break;
    case OPT_LR:
        if (m->lr_schedule)   /* Keras too refuses to set a rate that a schedule gives */
            return nncrt_error("--lr: the spec's learning_rate is a %s schedule, which gives "
                               "the rate of every step; change it in %s and recompile",
                               m->lr_schedule->name, m->spec_file ? m->spec_file : "the spec");
        rc = nncrt_parse_positive("lr", arg, 1000, &o->lr);
        break;
    case OPT_BATCH: rc = parse_batch_size(m, arg); break;
    case OPT_VAL_FREQ: rc = nncrt_parse_int("validation-freq", arg, 1, 1000000, &v); o->validation_freq = (int)v; break;
    case OPT_STEPS: rc = nncrt_parse_int("steps-per-epoch", arg, 1, INT32_MAX, &v); o->steps_per_epoch = (int)v; break;
    case OPT_VERBOSE: rc = nncrt_parse_int("verbose", arg, 0, 2, &v); o->verbose = (int)v + 1; break;
    case OPT_INITIAL_EPOCH:
        rc = nncrt_parse_int("initial-epoch", arg, 0, 1000000, &v);
        o->initial_epoch = (int)v, o->has_initial_epoch = true;
        break;
    default: rc = -1; break;
    }
    return rc;
}

static int bad_option(const char *prog, const char *cmd, int c, char **argv)
{
    char shortopt[3] = { '-', (char)optopt, 0 };
    /* glibc leaves the offending word at argv[optind-1] for long options */
    const char *word = optopt && optopt < 256 ? shortopt : argv[optind - 1];
    if (c == ':')
        nncrt_error("%s: option '%s' needs a value (see '%s %s --help')", cmd, word, prog, cmd);
    else
        nncrt_error("%s: unknown option '%s' (see '%s %s --help')", cmd, word, prog, cmd);
    return NNCRT_OPTS_USAGE;
}

static int check_combination(const char *cmd, nncrt_opts *o)
{
    if (o->resume && o->init)
        return nncrt_error("%s: --resume continues from --weights; it cannot be combined with --init", cmd);
    if (o->nfiles && strcmp(cmd, "predict") != 0)
        return nncrt_error("%s: unexpected argument '%s'", cmd, o->files[0]);
    return 0;
}

int nncrt_parse_options(const nncrt_model *m, const char *prog, int argc, char **argv, nncrt_opts *o)
{
    const char *cmd = argv[0];
    const struct option *table = options_of(cmd);
    memset(o, 0, sizeof *o);
    o->top = 1;
    optind = 0;   /* glibc: full re-initialisation, nncrt_main may run more than once */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", table, NULL)) != -1) {
        if (c == 'h') {
            nncrt_command_usage(m, prog, cmd, stdout);
            return NNCRT_OPTS_HELP;
        }
        if (c == '?' || c == ':')
            return bad_option(prog, cmd, c, argv);
        if (apply(m, c, optarg, o) != 0)
            return NNCRT_OPTS_USAGE;
    }
    o->files = argv + optind;
    o->nfiles = argc - optind;
    return check_combination(cmd, o) != 0 ? NNCRT_OPTS_USAGE : NNCRT_OPTS_OK;
}
