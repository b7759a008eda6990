/* nnc.h — the compiler's one header, one block per stage in pipeline order:
 *   diag → parse (YAML → node tree) → spec (nodes → model) → shape → plan → emit → build
 * Each block names the file that implements it.
 */
#ifndef NNC_H
#define NNC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef NNC_VERSION
#define NNC_VERSION "0.0.0"
#endif

#define unreachable() nnc_internal_error(__FILE__, __LINE__)
_Noreturn void nnc_internal_error(const char *file, int line);

/* ---- util.c ---------------------------------------------------------------- */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable string: the emitters append C text to one of these. */
typedef struct strbuf {
    char *data;
    size_t len, cap;
} strbuf;
void sb_puts(strbuf *sb, const char *s);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(strbuf *sb);

/* A regular file of at most max bytes; NULL with *why (a message, or "%m" for
 * errno) for anything else: directories, FIFOs, devices, larger files. */
char *read_small_file(const char *path, size_t max, size_t *len, const char **why);

/* ---- diag.c: errors as file:line:col, the source line and a caret ---------- */
typedef struct nnc_loc {
    const char *file;
    int line, col; /* 1-based; 0 = unknown */
} nnc_loc;

void diag_set_source(const char *file, const char *text, size_t len); /* copies both */
void diag_reset(void); /* forgets the source and the error count (fuzz/spec.c) */
void diag_error(nnc_loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(nnc_loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int diag_errors(void);
void diag_put_escaped(FILE *out, const char *s); /* control bytes as \\xNN */
/* The closest candidate within edit distance, or NULL ("did you mean"). */
const char *diag_closest(const char *word, const char *const *candidates, int n);

/* ---- parse.c: YAML → node tree with source marks ------------------------- */
typedef enum { NODE_NULL, NODE_SCALAR, NODE_SEQ, NODE_MAP } node_kind;

typedef struct ynode {
    node_kind kind;
    nnc_loc loc;
    char *text;          /* NODE_SCALAR: the scalar */
    int plain;           /* NODE_SCALAR: unquoted (may be a number) */
    int n;               /* NODE_SEQ items / NODE_MAP pairs */
    struct ynode **items; /* NODE_SEQ items; NODE_MAP values */
    char **keys;         /* NODE_MAP keys */
    nnc_loc *key_locs;   /* NODE_MAP key marks */
} ynode;

ynode *parse_yaml(const char *path, const char *text, size_t len); /* NULL on error */
void node_free(ynode *nd);
const char *node_kind_name(node_kind k);

/* ---- attrs.c: typed, range-checked reads of a map's keys ------------------- */
/* Reads mark keys as used; attrs_finish() reports the unused ones as unknown. */
typedef struct attrs {
    const ynode *map;      /* may be NULL: every key takes its default */
    const char *ctx;      /* "conv2d #2" or "optimizer", prefixes messages */
    unsigned char used[64];
    int failed;
} attrs;

void attrs_init(attrs *a, const ynode *map, const char *ctx);
const ynode *attrs_get(attrs *a, const char *key);
int attrs_int(attrs *a, const char *key, long def, long min, long max, long *out);
int attrs_pair(attrs *a, const char *key, long def, long min, long max, long out[2]);
int attrs_real(attrs *a, const char *key, double def, double min, double max, double *out);
int attrs_bool(attrs *a, const char *key, int def, int *out);
int attrs_enum(attrs *a, const char *key, const char *const *choices, int def, int *out);
int attrs_string(attrs *a, const char *key, const char *def, const char **out);
int attrs_finish(attrs *a, const char *const *known);
/* An item's short form (`dense: 10`, `random_zoom: [0.1, 0.2]`) as the mapping of
 * its positional parameters pos; NULL after an error. */
ynode *positional_args(const char *const *pos, const ynode *args, const char *ctx);
void positional_free(ynode *map);
int node_int(const ynode *nd, const char *ctx, long min, long max, long *out);
int node_real(const ynode *nd, const char *ctx, double min, double max, double *out);

/* ---- the model: what spec.c builds and every later stage reads ------------- */
/* The first four numbers are in the architecture hash of existing weights
 * files: append, never renumber. */
enum { ACT_LINEAR, ACT_RELU, ACT_SOFTMAX, ACT_SIGMOID, ACT_RELU6, ACT_LEAKY_RELU, ACT_ELU,
       ACT_GELU, ACT_GELU_TANH, ACT_TANH, ACT_SWISH, ACT_KINDS };
#define ACT_BIT(a) (1u << (a))
enum { PAD_VALID, PAD_SAME };
enum { LOSS_SPARSE_CCE, LOSS_CCE, LOSS_BCE };
enum { OPT_SGD, OPT_ADAM, OPT_RMSPROP, OPT_ADAMW, OPT_ADAGRAD, OPT_NADAM };
enum { CLIP_NONE, CLIP_NORM, CLIP_GLOBAL_NORM, CLIP_VALUE }; /* Keras: at most one */
enum { MODE_TRAIN, MODE_INFER }; /* fit's forward pass; evaluate, predict, validation */

typedef struct shape3 {
    int h, w, c;
    int flat; /* after flatten: a vector of c values (h = w = 1) */
} shape3;

struct op_def;

/* One tensor of a node, in Keras layout: trainable (the optimizer updates
 * it) or state (saved with the weights, updated by the node itself). */
enum { TENSOR_TRAINABLE, TENSOR_STATE };
enum { INIT_ZEROS, INIT_GLOROT_UNIFORM, INIT_ONES, INIT_GLOROT_NORMAL, INIT_HE_NORMAL,
       INIT_HE_UNIFORM, INIT_LECUN_NORMAL, INIT_LECUN_UNIFORM, INIT_KINDS };
typedef struct tensor {
    const char *role;  /* "kernel", "bias", "gamma", "moving_mean" */
    int kind;          /* TENSOR_* */
    int ndim;
    int shape[4];
    size_t count;
    size_t offset;     /* into the parameter or the state block, aligned (plan.c) */
    int init;          /* INIT_* */
    int fan_in, fan_out;
} tensor;

#define NODE_MAX_INPUTS 16
#define NODE_MAX_TENSORS 4

/* A node of the graph: one op applied to input values, giving one value.
 * Most spec items make one node; a layer option the op's kernel cannot do
 * (conv2d's activation: gelu) adds a node for it. */
typedef struct gnode {
    const struct op_def *op;
    int index;          /* 1-based position of its item in layers: */
    nnc_loc loc;
    char ctx[48];       /* "conv2d #2" for messages */
    char id[32];        /* "l02_conv2d": generated names, never user text */
    char *name;         /* the item's name: (user text: messages and the summary only) */
    int in[NODE_MAX_INPUTS], num_in; /* values */
    int out;
    void *attr;         /* the op's own attribute struct (ops/op_NAME.c) */
    int act;            /* ACT_*, applied to the output inside this node's kernel */
    int spec_act;       /* act as the spec gave it (fusion may fold an activation in) */
    int implicit;       /* made for an item's activation: option (no item of its own) */
    double act_alpha;   /* leaky_relu's negative slope, elu's alpha */
    tensor t[NODE_MAX_TENSORS];
    int num_t;
    /* filled by the op's infer */
    size_t scratch;     /* floats of kernel scratch its passes need */
    size_t saved_bytes; /* bytes per sample kept from forward to backward */
    size_t batch_floats;/* floats per batch kept from forward to backward (batch statistics) */
    int saved_buf, batch_buf; /* plan: their buffers */
    /* fuse.c: annotations; plan and emit read these, never op names */
    int absorbs;        /* -1, or the node whose forward this node's kernel computes */
    int absorbed_by;    /* -1, or the node whose kernel computes this node's forward */
    int bwd_absorbed;   /* with absorbed_by: that node's backward also does this node's dx,
                           reading this node's output gradient */
    int mask_in;        /* its backward applies the ReLU mask of input 0's producer */
    int mask_out;       /* its ReLU mask is applied by its one consumer (mask_in) */
    int folded;         /* computed by its producer's kernel (an activation): no code */
    int infer_fold;     /* -1, or the node before whose kernel and bias take this node's
                           inference affine (batch normalization): no inference code */
    int infer_folded;   /* -1, or the node whose inference affine this node's kernel takes */
} gnode;

/* A value: the output of a node (or the model input), a batch of shape. */
typedef struct gvalue {
    shape3 shape;
    int producer;       /* node; -1 for the model input */
    int *consumers;     /* nodes, in graph order */
    int num_consumers;
    int needs_grad;     /* a node before it has trainable tensors */
    int view_of;        /* -1, or the value whose buffer this one is (flatten, folded act) */
    int not_kept;       /* made and used inside one fused kernel: no forward buffer */
    int grad_not_kept;  /* ... and its gradient too */
    int buf;            /* plan: activation buffer; -1 for the input x */
    int grad_buf;       /* plan: gradient region; -1 without one */
} gvalue;

/* One item of the top-level augment: list (augment.c parses it, emit_augment.c
 * generates it): a Keras preprocessing layer applied per sample during fit. */
enum { AUG_FLIP, AUG_ROTATION, AUG_ZOOM, AUG_TRANSLATION, AUG_CROP, AUG_CONTRAST,
       AUG_BRIGHTNESS, AUG_KINDS };
enum { AUG_FILL_REFLECT, AUG_FILL_WRAP, AUG_FILL_CONSTANT, AUG_FILL_NEAREST };
enum { AUG_INTERP_BILINEAR, AUG_INTERP_NEAREST };

typedef struct augment_op {
    int kind;            /* AUG_* */
    int index;           /* 1-based position in augment: */
    nnc_loc loc;
    char ctx[64];        /* "augment: random_zoom #2" for messages */
    double lo_hi[2][2];  /* factor ranges [lower, upper]: [0] height (or the only one), [1] width */
    int has_width;       /* zoom: width_factor given (else zx = zy, as Keras) */
    int flip_h, flip_v;
    int fill_mode, interpolation; /* AUG_FILL_*, AUG_INTERP_* */
    double fill_value;
    double value_range[2];
    int crop_h, crop_w;
    int in_h, in_w;      /* the image size this op sees (augment_check) */
} augment_op;

typedef struct model {
    const char *spec_path;
    char *spec_sha256;  /* hex */
    char *name;
    nnc_loc input_loc;
    shape3 input;
    /* data */
    char *data_train, *data_validation;
    double validation_split;
    long seed;
    char **class_names;
    int num_class_names;
    int interpolation;  /* NNCRT_INTERP_* order: bilinear, nearest, area */
    int crop_to_aspect_ratio, pad_to_aspect_ratio, follow_links;
    /* the graph (graph.c), nodes in an order where every input comes first */
    gnode *nodes;
    int num_nodes;
    gvalue *values;
    int num_values;
    int input_value;    /* the model input: value 0 */
    int output_value;   /* the last node's value: class scores */
    int logits_value;   /* what the loss reads: the output, or (fuse.c) the input of a
                           final softmax or sigmoid that the loss computes */
    /* compile */
    int loss, from_logits;
    nnc_loc loss_loc;
    int optimizer;
    double lr, momentum, beta1, beta2, epsilon, rho; /* lr: a schedule's value at step 0 */
    struct lr_sched *lr_schedule; /* learning_rate as a schedule (schedule.c); NULL: constant */
    int nesterov;
    int amsgrad, centered;       /* adam/adamw; rmsprop */
    double initial_accumulator;  /* adagrad */
    double weight_decay;         /* decoupled, every optimizer; 0: none */
    char **wd_exclude;           /* exclude_from_weight_decay: tensor roles */
    nnc_loc *wd_exclude_locs;
    int num_wd_exclude;
    int clip;                    /* CLIP_* */
    double clip_value;           /* clipnorm, global_clipnorm or clipvalue */
    nnc_loc opt_loc;
    double label_smoothing;      /* loss: label_smoothing */
    /* fit: class_weight as written (loss.c resolves it against the classes) */
    int class_weight_balanced;
    char **cw_keys;              /* class names or indices */
    double *cw_values;
    nnc_loc *cw_locs;
    int num_cw;
    double *class_weight;        /* [num_classes] once resolved; NULL: none */
    /* fit */
    int epochs, batch_size, shuffle;
    int validation_freq, steps_per_epoch, verbose; /* 0: Keras's default (fit_options.c) */
    int initial_epoch;                             /* fit: epochs before the first one run */
    /* metrics: and fit: callbacks: (fit_spec.c) */
    unsigned metrics;            /* NNCRT_METRIC_* bits */
    int top_k, f1_average;
    struct callback_spec *callbacks;
    int num_callbacks;
    /* augment: (augment.c); empty when the spec has none */
    augment_op *augment;
    int num_augment;
    int data_h, data_w; /* the size images are loaded at: input H, W unless random_crop */
    /* code generation target (nnc --target) */
    const char *target; /* "scalar", "avx2", "avx512", "neon" */
    int vw;             /* SIMD width in floats; 0 = scalar kernels only */
    int profile;        /* nnc --profile: time every layer call (bench/) */
    /* derived */
    int num_classes;
    size_t num_params;  /* trainable values, without alignment padding */
    size_t num_state;   /* non-trainable values (moving statistics) */
    size_t param_block; /* floats in the parameter block, with padding */
    size_t state_block; /* floats in the state block, with padding */
    char *arch_sha256;  /* hex; weights files carry it */
} model;

/* ---- graph.c: values and nodes ------------------------------------------- */
int graph_add_value(model *m, shape3 shape, int producer);
gnode *graph_add_node(model *m, const struct op_def *op, int index, nnc_loc loc);
void graph_connect(model *m);            /* consumers, from every node's inputs */
const gvalue *node_in(const model *m, const gnode *n, int i);
const gvalue *node_out(const model *m, const gnode *n);
int value_root(const model *m, int v);   /* through views to the value that owns the buffer */
/* ... and, as the inference forward pass sees it, through infer_identity nodes too */
int value_root_infer(const model *m, int v);
int node_has_bwd(const model *m, const gnode *n); /* trainable tensors, or an input needs grad */
int node_trainable(const gnode *n);      /* has trainable tensors */
/* Node i's one input is the previous node's output (or the model input's) */
int graph_chained(const model *m, int i);
int graph_is_chain(const model *m);      /* every node is chained: no "Connected to" */
/* "l02_conv2d, l03_conv2d": the makers of node n's inputs ("input" for the model's) */
char *graph_inputs_str(const model *m, const gnode *n);
void graph_free(model *m);

/* ---- ops/: one file per op kind, one row each in ops/optable.c -------------- */
typedef struct emit_ctx emit_ctx;

typedef struct op_def {
    const char *name;                                     /* spec name */
    const char *const *keys;                              /* attribute names, NULL-ended */
    /* Keras's positional arguments, in call order: `dense: 10` is units 10,
     * `conv2d: [32, 3]` filters 32 and kernel_size 3. NULL: none. */
    const char *const *positional;
    int min_inputs, max_inputs;
    int (*parse)(gnode *n, attrs *a);                     /* attributes into n->attr */
    /* input shapes → *out (preset to input 0's shape), tensors, scratch */
    int (*infer)(gnode *n, const model *m, shape3 *out);
    void (*emit)(emit_ctx *e, const gnode *n);            /* kernel definitions */
    void (*call_fwd)(emit_ctx *e, const gnode *n, int mode);
    void (*call_bwd)(emit_ctx *e, const gnode *n);
    /* its state update after each optimizer step (moving statistics); NULL: none */
    void (*call_update)(emit_ctx *e, const gnode *n);
    /* with infer_fold: INTO's kernel and bias with n's inference affine folded in,
     * into the buffers fk, fb (the trainer, at each inference pass), or from the
     * trained blocks at export time */
    void (*call_fold)(emit_ctx *e, const gnode *n, const gnode *into, const char *fk,
                      const char *fb);
    void (*fold_consts)(const model *m, const gnode *n, const gnode *into,
                        const float *params, const float *state, float *fk, float *fb);
    double (*flops)(const model *m, const gnode *n, int pass); /* per sample; NULL: none */
    unsigned acts;      /* ACT_BITs its own kernels apply (other activations get a node) */
    int is_activation;  /* its node applies n->act and nothing else: an activation
                           option other kernels cannot apply becomes one of these,
                           and fusion may fold it into its producer or the loss */
    int view;           /* its output is its input, reinterpreted: no code */
    int applies_mask;   /* its backward can apply the ReLU mask of its input (mask_in) */
    int takes_fold;     /* at inference its kernel and bias can take the affine of the
                           node after it (call_fold): it emits a fwd_folded kernel */
    int (*fold_ok)(const struct gnode *n); /* takes_fold for this node (NULL: always) */
    /* its parameter gradients sum the fixed sample groups in the fixed tree
       (prelude's NNC_GROUPS), so ranks can share the batch (spec/distributed.md) */
    int (*tree_grads)(const struct gnode *n);
    int infer_identity; /* outside fit its output is its input (dropout): in MODE_INFER a
                           view, no code and no buffer */
} op_def;

const op_def *op_find(const char *name);
extern const op_def *const op_table[];
extern const op_def op_activation; /* an item's activation: option, as a node */
extern const int op_count;

/* ---- ops/ops_util.c: what several ops share -------------------------------- */
/* Output size along one axis for padding valid|same (TF rules: the odd pixel of
 * same padding goes after); -1 when the window does not fit. */
int shape_window(int in, int k, int stride, int padding, int *pad_before);
void node_add_tensor(gnode *n, const char *role, int kind, int ndim, const int *shape, int init,
                     int fan_in, int fan_out);
int node_needs_image(const gnode *n, const model *m); /* error unless input 0 is (H, W, C) */
/* activation: (any Keras name) into n->act and its parameter's default into
 * n->act_alpha; an activation the op's kernels cannot apply gets a node */
int parse_activation(gnode *n, attrs *a);
double act_default_alpha(int act);
/* kernel_initializer / bias_initializer: a Keras name into *init (INIT_*) */
int parse_initializer(gnode *n, attrs *a, const char *key, int def, int *init);
const char *init_name(int init);
const char *act_name(int act);

/* ---- spec.c: node tree → model ------------------------------------------- */
model *spec_load(const char *path); /* NULL on error (reported) */
/* The same from text already read; PATH only names it in messages. */
model *spec_load_text(const char *path, const char *text, size_t len);
void model_free(model *m);
/* layers.c: the layers: list → graph nodes (names, inputs, attributes) */
int layers_parse(model *m, const ynode *nd);

/* ---- augment.c / emit_augment.c: the augment: list -------------------------- */
int augment_parse(model *m, const ynode *nd);
/* Image sizes through the list; random_crop against data.image_size. */
int augment_check(model *m);
int augment_crops(const model *m); /* the list has a random_crop */
void augment_describe(strbuf *out, const augment_op *op); /* its parameters, in words */
void augment_print(const model *m, FILE *out);             /* nnc check's list */
/* The augmentation code of the trainer: kernels, nnc_aug_draw, nnc_aug_apply,
 * nnc_augment. Emits nothing when the spec has no augment:. */
void augment_emit(emit_ctx *e);
void augment_emit_fields(emit_ctx *e); /* .augment, .data_h, .data_w of nncrt_model */

/* ---- shape.c: shape inference over the graph ------------------------------- */
int shape_infer(model *m);
void shape_print_table(const model *m, FILE *out);
char *shape_str(shape3 s); /* "(None, 26, 26, 32)" */

/* ---- check.c: rules for the whole model (output layer against the loss) ------ */
int check_model(model *m);

/* ---- fuse.c: the fusion pass (annotations on the graph) --------------------- */
void fuse_graph(model *m);                  /* after target_set: fusions depend on it */
void fuse_print(const model *m, FILE *out); /* nnc check -v */
/* infer_folded: where in the trainer's scratch the folded bias follows the kernel */
size_t fuse_fold_bias_offset(const gnode *n);

/* ---- plan.c: the static memory plan ---------------------------------------- */
typedef struct buffer {
    char name[32];      /* "a02" */
    size_t count;       /* floats, whole batch */
    char what[96];      /* shape comment */
} buffer;

/* A gradient's place in the gradient arena, or a temporary for the second
 * and later consumers of a value, whose part is added to the value's. */
typedef struct grad_region {
    char name[32];      /* "d05" */
    size_t offset, count; /* floats into the arena */
    int value;
    char what[96];
} grad_region;

typedef struct plan {
    buffer *bufs;
    int num_bufs;
    grad_region *grads;
    int num_grads;
    size_t grad_arena;  /* floats in the gradient arena (liveness-packed) */
    int *dx_region;     /* [node * NODE_MAX_INPUTS + k]: the region input k's dx goes to, or -1 */
    size_t scratch;     /* floats of kernel scratch */
    size_t bytes;       /* everything: params, grads, optimizer, state, activations, scratch */
    int opt_slots;
    int infer_only;     /* plan_infer's (the export): no scratch, folded weights are constants */
} plan;

int plan_build(model *m, plan *p);
void plan_free(plan *p);
/* Blocks of count[i] floats alive over steps [first, last]: offsets where
 * no two alive at once overlap, first fit largest first or in order of use,
 * whichever packs tighter; returns the arena's size. */
typedef struct plan_life {
    int first, last;
} plan_life;
size_t plan_pack(int n, const size_t *count, const plan_life *lf, size_t *offset);
/* plan_infer.c: the inference plan of one sample, for the exported
 * classifier: every buffer an offset into one arena, by liveness over the
 * inference forward pass. */
int plan_infer(model *m, plan *p);
/* Its peak: the most bytes alive at once, and which blocks, into out. */
size_t plan_infer_peak(model *m, strbuf *out);
/* The value whose gradient node n's backward reads (its own output's, or that
 * of a node whose input gradient it computes), and whether it writes input k's. */
int plan_dy_value(const model *m, const gnode *n);
int plan_writes_dx(const model *m, const gnode *n, int k);
/* ---- c_escape.c: user text into generated C, escaped ------------------------- */
void c_comment_text(strbuf *out, const char *s); /* inside a comment */
void c_string_lit(strbuf *out, const char *s);   /* a whole "..." literal */
char *c_comment_dup(const char *s);              /* c_comment_text into a new string */

/* ---- sha256.c ---------------------------------------------------------------- */
void sha256_hex(const void *data, size_t len, char out[65]);

/* ---- template.c: instantiate templates/ text with literal substitutions ----- */
typedef struct subst {
    const char *from; /* identifier in the template */
    char to[64];
} subst;
/* Appends template NAME with every identifier in SUBS replaced and its
 * "nnc:defaults" block removed. */
void template_emit(strbuf *out, const char *name, const subst *subs, int nsubs);
const char *template_text(const char *name); /* embedded copy (build/templates_embed.c) */

/* ---- emit_util.c / emit.c: the trainer C file ------------------------------ */
struct emit_ctx {
    strbuf *out;
    const model *m;
    const plan *p;
    int mode; /* MODE_*: the forward pass being emitted (emit_act resolves views by it) */
};
char *emit_trainer(const model *m, const plan *p); /* the whole C file */
/* The spec line a node came from, its shapes and WHAT, as a comment. */
void emit_comment_loc(emit_ctx *e, const gnode *n, const char *what);
void emit_lit_int(subst *s, const char *from, long v);
void emit_lit_name(subst *s, const char *from, const gnode *n, const char *suffix);
int emit_pick_obv(int channels, int vw);
void emit_simd_width(emit_ctx *e, int vw); /* switch the kernels after it to vw */
/* Buffer expressions for calls (valid until the next 16 calls): a value's
 * activation ("x" for the model input, "NULL" when not kept) or gradient
 * ("NULL" without one); a node's tensor k in nnc_params / nnc_grads /
 * nnc_state ("NULL" when it has no tensor k). */
const char *emit_act(emit_ctx *e, int value);
const char *emit_grad(emit_ctx *e, int value);
const char *emit_tensor(emit_ctx *e, const gnode *n, int k, const char *block);
const char *emit_saved(emit_ctx *e, const gnode *n); /* its saved-per-sample buffer */
/* dx of input i: its gradient, or NULL when nothing before needs it */
const char *emit_dx(emit_ctx *e, const gnode *n, int i);
/* Calls of a node with a kernel and an optional bias (conv2d, dense), whose
 * kernels share one signature. */
void emit_call_weighted_fwd(emit_ctx *e, const gnode *n);
void emit_call_weighted_bwd(emit_ctx *e, const gnode *n);
/* At inference, a node with infer_folded: the folded kernel and bias (the
 * trainer computes them, the export has them as constants NAME_fk, NAME_fb),
 * then its fwd_folded kernel, writing the folded node's output. */
void emit_call_folded_fwd(emit_ctx *e, const gnode *n);

/* ---- loss.c / optimizer.c ---------------------------------------------------- */
int loss_parse(model *m, const ynode *nd);
const char *loss_name(int loss);
/* The fused output + loss kernels: nnc_output_probs(p, z, n) and
 * nnc_loss(p, dz, z, t, n), softmax or sigmoid by the loss. */
void loss_emit(emit_ctx *e);
/* fit: class_weight (balanced, or a map of class names or indices to weights),
 * kept as written until class_weight_check resolves it against the classes */
int class_weight_parse(model *m, const ynode *nd);
int class_weight_check(model *m);
void loss_free(model *m);
void class_weight_emit_table(emit_ctx *e);  /* nnc_class_weight[], when given */
void class_weight_emit_fields(emit_ctx *e); /* .class_weight... of nncrt_model */

/* ---- fit_spec.c: metrics: and fit: callbacks: ------------------------------ */
int metrics_parse(model *m, const ynode *nd);
int callbacks_parse(model *m, const ynode *nd);
void callbacks_free(model *m);
/* LR callbacks need a constant learning_rate (optimizer: the spec's node). */
int callbacks_check_lr(const model *m, const ynode *optimizer);
void fit_spec_emit_tables(emit_ctx *e);   /* nnc_callbacks[], when given */
void fit_spec_emit_fields(emit_ctx *e);   /* .metrics ... .num_callbacks of nncrt_model */
int optimizer_parse(model *m, const ynode *nd);
/* exclude_from_weight_decay against the model's tensor roles (after shapes) */
int optimizer_check(model *m);
const char *optimizer_name(int opt);
int optimizer_slots(const model *m);            /* state arrays of the parameter block */
const char *optimizer_slot_names(const model *m); /* Keras's names, "momentum,velocity" */
/* The update: nnc_opt_step(lr, t, lo, hi) (clipping, weight decay, the
 * optimizer's rule on parameters [lo, hi); NNC_OPT_SHARDABLE 0 when a norm
 * clip needs them all) and nnc_opt_init_slots() (slots that do not start at
 * zero). */
void optimizer_emit(emit_ctx *e);
void optimizer_free(model *m);

/* ---- fit_options.c: fit's validation_freq, steps_per_epoch, verbose ---- */
int fit_options_parse(model *m, attrs *a);
void fit_options_emit_fields(emit_ctx *e); /* only the ones given */

/* ---- schedule.c: learning_rate as a Keras schedule ---- */
typedef struct lr_sched {
    int kind;             /* the runtime's NNCRT_LR_* */
    nnc_loc loc;          /* the schedule's name */
    double initial, decay_steps, decay_rate, end_lr, power, alpha;
    double warmup_target, warmup_steps, t_mul, m_mul;
    int staircase, cycle, has_warmup_target;
    int num_boundaries;
    long *boundaries;     /* piecewise_constant_decay */
    double *values;
} lr_sched;
int schedule_parse(model *m, const ynode *nd, const char *ctx); /* nd: {NAME: {...}} */
const char *schedule_name(const model *m);  /* NULL for a constant learning rate */
void schedule_emit_table(emit_ctx *e);      /* nnc_lr_schedule, when there is one */
void schedule_emit_fields(emit_ctx *e);     /* .lr_schedule of nncrt_model */
void schedule_free(model *m);

/* ---- export.c / export_weights.c: nnc --predict, the classifier for other programs ---- */
typedef struct export_opts {
    const char *out;      /* classifier.c; the .h goes beside it */
    const char *weights;  /* the trained .safetensors */
    const char *prefix;   /* symbol prefix, or NULL: the model name as a C identifier */
    const char *target;   /* the SIMD variant's target, or NULL: the host's */
} export_opts;
typedef struct export_weights {
    float *params, *state; /* the parameter and state blocks, as the plan lays them out */
    char **class_names;    /* the weights file's label map */
    int num_class_names;
} export_weights;
int export_classifier(model *m, const export_opts *o); /* writes nothing on error */
/* the arena the header declares; peak (or NULL) gets what is alive at its peak */
size_t export_arena_bytes(model *m, strbuf *peak);
int export_load_weights(const model *m, const char *path, export_weights *w);
void export_weights_free(export_weights *w);

/* ---- target.c: the SIMD target of the emitted kernels ---------------------- */
int target_set(model *m, const char *name); /* "host" picks the running CPU's */
int target_layer_vw(const model *m, const int *counts, int n); /* a layer's SIMD width */

/* ---- build.c: nnc build → $CC ------------------------------------------------ */
int build_trainer(const char *c_path, const char *out_path, const char *cc, int verbose,
                  int mpi);

#endif
