/* weights.h — what nnc keeps in a .safetensors weights file: every model
 * tensor under its own name, the optimizer slots as "optimizer.slotK"
 * (flat, num_params each), and __metadata__ with the model hash (so weights
 * of another architecture are refused), the epoch, the class names, the
 * history rows of the epochs saved, and what `fit --resume` needs to
 * continue exactly. */
#ifndef NNCRT_WEIGHTS_H
#define NNCRT_WEIGHTS_H

#include <stdbool.h>
#include <stdint.h>

#include "nncrt.h"

typedef struct nncrt_weights_meta {
    int epoch;                  /* epochs completed; 0 if the file does not say */
    int64_t opt_step;
    bool has_opt;               /* optimizer state was loaded */
    bool has_seed;
    uint64_t seed;
    size_t train_samples;       /* 0 if unknown */
    char **class_names;         /* [num_class_names] == model->num_classes */
    int num_class_names;
    char *history;              /* history CSV of epochs 1..epoch (history.h), or NULL */
    char *fit_state;            /* fit_state.h's text, or NULL */
} nncrt_weights_meta;

/* The largest optimizer step a weights file may hold: 2^53, the largest
   count a double holds exactly (Adam computes beta^t from (double)t). At a
   million steps a second that is 285 years of training, and it is far from
   INT64_MAX, so the trainer's step++ cannot overflow after a resume. */
#define NNCRT_MAX_OPT_STEP 9007199254740992LL
/* Optimizer slots a file may carry (Adam and RMSprop use 2). */
#define NNCRT_MAX_OPT_SLOTS 8

/* Refuses (names the tensor and the index) when a parameter or optimizer
   value is not finite, so a diverged model never overwrites good weights. */
int nncrt_weights_save(const nncrt_model *m, const char *path, const nncrt_weights_meta *meta);
/* Refuses, naming the file and the reason, anything but a weights file of
   this model: not a regular file (checked without blocking), a size other
   than the header plus the model's tensors and 0..NNCRT_MAX_OPT_SLOTS
   optimizer slots (checked before anything else is read), duplicate JSON
   keys anywhere, another model's hash, a missing, extra or misshapen tensor,
   a non-finite value, an optimizer step outside 0..NNCRT_MAX_OPT_STEP, empty
   or repeated class names. m->params is written only after every check.
   with_opt: also load the optimizer slots and step when the file has them
   (meta->has_opt says whether it did). */
int nncrt_weights_load(const nncrt_model *m, const char *path, bool with_opt,
                       nncrt_weights_meta *meta);
/* The same for a file already in memory (name is for messages). */
int nncrt_weights_load_mem(const nncrt_model *m, const char *name, const void *bytes,
                           size_t size, bool with_opt, nncrt_weights_meta *meta);
void nncrt_weights_meta_free(nncrt_weights_meta *meta);

/* The spec's class names, or "0".."K-1": a new array of num_classes strings. */
char **nncrt_default_class_names(const nncrt_model *m);
/* "NaN", "inf" or "-inf" for a value that is not finite. */
const char *nncrt_nonfinite_name(double v);
/* Default weights file: "<model name>.safetensors" (caller frees). */
char *nncrt_default_weights_path(const nncrt_model *m);

#endif
