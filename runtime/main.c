/* main.c — nncrt_main: checks the model description the generated code
 * filled in, then dispatches to fit / evaluate / predict / summary. */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dist.h"
#include "fp_mode.h"
#include "options.h"
#include "util.h"

static const struct {
    const char *name, *what;
} commands[] = {
    { "fit", "train the model; weights are saved after every epoch" },
    { "evaluate", "loss, accuracy, per-class precision/recall/F1, confusion matrix" },
    { "predict", "classify PNG and JPEG images" },
    { "summary", "layers, output shapes, parameter counts, memory plan" },
    { "scan", "check a data folder: bad files, class histogram, train/validation copies" },
    { "augment-preview", "write a PNG grid of augmented training samples, a row per class" },
    { "plot", "draw the loss, accuracy and learning-rate curves of the history as a PNG" },
};

static void usage(const nncrt_model *m, const char *prog, FILE *out)
{
    fprintf(out, "usage: %s <command> [options]\n\n", prog);
    fprintf(out, "Trainer for model \"%s\", compiled by nnc %s from %s.\n\ncommands:\n", m->name,
            m->nnc_version ? m->nnc_version : "?", m->spec_file ? m->spec_file : "?");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].what);
    fprintf(out, "\nRun '%s <command> --help' for the options of a command.\n", prog);
}

/* The spec's data: options, fixed at compile time. */
static void data_options_note(const nncrt_model *m, FILE *out)
{
    static const char *const interp[] = { "bilinear", "nearest", "area" };
    int i = m->interpolation;   /* 0..2: check_model */
    fprintf(out, "\nImages (PNG, JPEG) are resized to %dx%d with %s interpolation%s; symlinked\n"
                 "folders are %sfollowed (spec data: interpolation, crop_to_aspect_ratio,\n"
                 "pad_to_aspect_ratio, follow_links).\n",
            nncrt_data_h(m), nncrt_data_w(m), interp[i],
            m->crop_to_aspect_ratio ? ", centre-cropped to the aspect ratio first"
            : m->pad_to_aspect_ratio ? ", padded with zeros to the aspect ratio" : "",
            m->follow_links ? "" : "not ");
}

static void fit_usage(const nncrt_model *m, FILE *out)
{
    fprintf(out, "  --data PATH       training data: a folder of class folders of PNG/JPEG files, or an\n"
                 "                    IDX images file (labels file beside it)%s%s%s\n",
            m->data_train ? " (default: " : "", m->data_train ? m->data_train : "",
            m->data_train ? ")" : "");
    fprintf(out, "  --val PATH        validation data (default: %s)\n",
            m->data_validation ? m->data_validation
            : m->validation_split > 0 ? "validation_split of --data" : "none");
    fprintf(out, "  --epochs N        total epochs (default %d)\n", m->epochs);
    fprintf(out, "  --limit N         use only the first N samples of --data\n");
    fprintf(out, "  --weights FILE    saved after every epoch (default %s.safetensors)\n", m->name);
    fprintf(out, "  --init FILE       start from these weights instead of a fresh initialisation\n");
    fprintf(out, "  --resume          continue from --weights: parameters, optimizer state, epoch\n");
    fprintf(out, "  --lr X            learning rate (default %g)\n", m->learning_rate);
    fprintf(out, "  --seed S          seed of initialisation, split and shuffles (default %llu)\n",
            (unsigned long long)m->seed);
    fprintf(out, "  --threads T       OpenMP threads (default: all cores)\n");
    fprintf(out, "  --batch-size B    fixed at compile time (%d)\n", m->batch_size);
    fprintf(out, "  --cache FILE      keep the decoded --data folder in FILE (and a --val folder\n"
                 "                    in FILE.val); reused while the files and options match\n");
    fprintf(out, "  --strict          a file that cannot be decoded is an error, not skipped\n");
    fprintf(out, "  --no-stop-on-nan  go on when a batch loss is NaN or infinite (by default fit\n"
                 "                    stops there, exit status 1, and the weights file keeps the\n"
                 "                    last epoch saved; weights that are not finite are never saved)\n");
    fprintf(out, "  --validation-freq N  validate after every N-th epoch (default %d)\n",
            m->validation_freq ? m->validation_freq : 1);
    fprintf(out, "  --steps-per-epoch N  at most N batches an epoch (default %s)\n",
            m->steps_per_epoch ? "the spec's" : "all");
    fprintf(out, "  --verbose V       0 silent, 1 progress bar, 2 one line per epoch (default %d)\n",
            m->verbose ? m->verbose - 1 : 1);
    fprintf(out, "  --initial-epoch N    start at epoch index N: epochs N+1..--epochs run (default\n"
                 "                    %d; with --resume, the weights file's epoch)\n",
            m->initial_epoch);
    data_options_note(m, out);
}

static void scan_usage(const nncrt_model *m, const char *prog, FILE *out)
{
    fprintf(out, "usage: %s scan [options]\n\n"
                 "Decodes every image once as fit would, names each file that cannot be\n"
                 "decoded, prints the class histogram of the training and validation subsets\n"
                 "and lists validation images that are exact copies of training images.\n\n"
                 "  --data PATH       the data to check%s%s%s\n"
                 "  --val PATH        validation data (default: %s)\n"
                 "  --seed S          seed of the validation split (default %llu)\n"
                 "  --strict          exit status 1 if a file cannot be decoded\n"
                 "  --cache FILE      as fit --cache\n"
                 "  --threads T       OpenMP threads\n",
            prog, m->data_train ? " (default: " : "", m->data_train ? m->data_train : "",
            m->data_train ? ")" : "",
            m->data_validation ? m->data_validation
            : m->validation_split > 0 ? "validation_split of --data" : "none",
            (unsigned long long)m->seed);
}

static void augment_preview_usage(const nncrt_model *m, const char *prog, FILE *out)
{
    fprintf(out, "usage: %s augment-preview --out FILE.png [options]\n\n"
                 "Writes a grid of the spec's augmentations: a row per class with its first\n"
                 "sample in --data, then the augmentations fit draws for it in epochs 1..N.\n\n"
                 "  --out FILE.png    the grid to write\n"
                 "  --data PATH       the images%s%s%s\n"
                 "  --n N             augmentations per row (default 8, at most 64)\n"
                 "  --seed S          seed of the draws (default %llu, as fit)\n"
                 "  --limit N         use only the first N samples of --data\n"
                 "  --threads T       OpenMP threads\n",
            prog, m->data_train ? " (default: " : "", m->data_train ? m->data_train : "",
            m->data_train ? ")" : "", (unsigned long long)m->seed);
}

void nncrt_command_usage(const nncrt_model *m, const char *prog, const char *cmd, FILE *out)
{
    if (strcmp(cmd, "fit") == 0) {
        fprintf(out, "usage: %s fit [options]\n\n", prog);
        fit_usage(m, out);
    } else if (strcmp(cmd, "evaluate") == 0) {
        fprintf(out, "usage: %s evaluate [options]\n\n"
                     "  --data PATH       labelled data: class folders or IDX%s%s%s\n"
                     "  --weights FILE    default %s.safetensors\n"
                     "  --limit N         use only the first N samples\n"
                     "  --json            print one JSON object instead of the report\n"
                     "  --plot FILE.png   also draw the confusion matrix as a heat map\n"
                     "  --cache FILE      keep the decoded --data folder in FILE\n"
                     "  --strict          a file that cannot be decoded is an error\n"
                     "  --threads T       OpenMP threads\n",
                prog, m->data_validation ? " (default: " : "",
                m->data_validation ? m->data_validation : "", m->data_validation ? ")" : "", m->name);
    } else if (strcmp(cmd, "predict") == 0) {
        fprintf(out, "usage: %s predict [options] IMAGE...\n\n"
                     "IMAGE is a PNG or JPEG file, a FIFO, or - (standard input, e.g. a pipe).\n\n"
                     "  --weights FILE    default %s.safetensors\n"
                     "  --top K           show the K most likely classes (default 1, at most %d)\n"
                     "  --json            one JSON object per line per image\n"
                     "  --threads T       OpenMP threads\n",
                prog, m->name, m->num_classes);
    } else if (strcmp(cmd, "scan") == 0) {
        scan_usage(m, prog, out);
    } else if (strcmp(cmd, "augment-preview") == 0) {
        augment_preview_usage(m, prog, out);
    } else if (strcmp(cmd, "plot") == 0) {
        fprintf(out, "usage: %s plot --out FILE.png [options]\n\n"
                     "Draws loss, accuracy and learning rate by epoch, training and validation.\n\n"
                     "  --out FILE.png    the picture to write\n"
                     "  --weights FILE    the history recorded in FILE (default %s.safetensors)\n"
                     "  --history FILE    a history CSV instead\n", prog, m->name);
    } else {
        fprintf(out, "usage: %s summary\n\nPrints the layer table, parameter counts and memory plan.\n", prog);
    }
    fprintf(out, "  -h, --help        this help\n");
}

/* The generated code is trusted, but a mismatch here would corrupt memory
   later, so say so now and clearly. */
/* The CPU has what the trainer was compiled for (x86 only: elsewhere the
   compiler's -march is the machine's own). */
static int check_cpu(const nncrt_model *m)
{
#if defined(__x86_64__) || defined(__i386__)
    char f[64];
    __builtin_cpu_init();
    for (const char *p = m->cpu_features ? m->cpu_features : ""; *p;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        snprintf(f, sizeof f, "%.*s", (int)n, p);
        p += n;
        int have = !strcmp(f, "avx512f") ? __builtin_cpu_supports("avx512f")
                   : !strcmp(f, "avx2")  ? __builtin_cpu_supports("avx2")
                   : !strcmp(f, "fma")   ? __builtin_cpu_supports("fma")
                                         : 1;
        if (*f && !have)
            return nncrt_error("this trainer was compiled for a CPU with %s (nnc build uses the "
                               "build machine's -march=native), and this CPU has not; build it "
                               "again on this machine", f);
    }
#else
    (void)m;
#endif
    return 0;
}

static int check_model(const nncrt_model *m)
{
    if (check_cpu(m) != 0)
        return -1;
    if (m->abi != NNCRT_ABI)
        return nncrt_error("trainer was generated for runtime ABI %d, this libnncrt is ABI %d; "
                           "regenerate it with the matching nnc", m->abi, NNCRT_ABI);
    if (!m->name || !m->model_hash || m->in_h < 1 || m->in_w < 1 || m->in_c < 1 ||
        m->num_classes < 1 || m->batch_size < 1 || !m->params || !m->init_params ||
        !m->opt_reset || !m->train_step || !m->compute_grads || !m->apply_update ||
        !m->eval_batch || !m->predict || (m->num_state && !m->state) ||
        (m->opt_slots > 0 && !m->opt_state) ||
        (m->num_class_names && (!m->class_names || m->num_class_names != m->num_classes)) ||
        m->interpolation < NNCRT_INTERP_BILINEAR || m->interpolation > NNCRT_INTERP_AREA ||
        (m->crop_to_aspect_ratio && m->pad_to_aspect_ratio))
        return nncrt_error("model description of the trainer is incomplete (internal error)");
    for (int i = 0; i < m->num_tensors; i++) {
        const nncrt_tensor *t = &m->tensors[i];
        size_t count = 1;
        for (int d = 0; d < t->ndim; d++)
            count *= (size_t)t->shape[d];
        size_t block = t->kind == NNCRT_TENSOR_STATE ? m->num_state : m->num_params;
        if (t->ndim < 0 || t->ndim > 4 || count != t->count || t->offset > block ||
            t->count > block - t->offset ||
            (t->kind != NNCRT_TENSOR_TRAINABLE && t->kind != NNCRT_TENSOR_STATE))
            return nncrt_error("tensor %s of the trainer is inconsistent (internal error)", t->name);
    }
    return 0;
}

static int run(const nncrt_model *m, const char *prog, const char *cmd, int argc, char **argv)
{
    nncrt_opts o;
    int rc = nncrt_parse_options(m, prog, argc, argv, &o);
    if (rc == NNCRT_OPTS_HELP)
        return 0;
    if (rc != NNCRT_OPTS_OK)
        return 2;
    if (o.threads > 0)
        omp_set_num_threads(o.threads);
    nncrt_flush_subnormals();   /* as TensorFlow trains (fp_mode.h) */
    if (strcmp(cmd, "fit") == 0)
        return nncrt_cmd_fit(m, &o);
    if (strcmp(cmd, "evaluate") == 0)
        return nncrt_cmd_evaluate(m, &o);
    if (strcmp(cmd, "predict") == 0)
        return nncrt_cmd_predict(m, &o);
    if (strcmp(cmd, "scan") == 0)
        return nncrt_cmd_scan(m, &o);
    if (strcmp(cmd, "augment-preview") == 0)
        return nncrt_cmd_augment_preview(m, &o);
    if (strcmp(cmd, "plot") == 0)
        return nncrt_cmd_plot(m, &o);
    return nncrt_cmd_summary(m, stdout);
}

static int dispatch(const nncrt_model *m, int argc, char **argv)
{
    const char *prog = argc > 0 && argv[0] ? argv[0] : "trainer";
    if (check_model(m) != 0)
        return 1;
    if (argc < 2) {
        usage(m, prog, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(m, prog, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return run(m, prog, cmd, argc - 1, argv + 1);
    nncrt_error("unknown command '%s' (commands: fit, evaluate, predict, summary, scan, augment-preview, plot; see '%s --help')",
                cmd, prog);
    return 2;
}

/* Under mpirun (libnncrt_mpi.a) every rank runs the command; dist.c ends
   the job if one of them fails. */
int nncrt_main(const nncrt_model *m, int argc, char **argv)
{
    nncrt_dist_init(&argc, &argv);
    int rc = dispatch(m, argc, argv);
    return nncrt_dist_finish(rc, argc > 1 ? argv[1] : NULL);
}
