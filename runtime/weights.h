/* weights.h — what nnc keeps in a .safetensors weights file: every model
 * tensor under its own name, the optimizer slots as "optimizer.slotK"
 * (flat, num_params each), and __metadata__ with the model hash (so weights
 * of another architecture are refused), the epoch, the class names and what
 * `fit --resume` needs to continue exactly. */
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
} nncrt_weights_meta;

int nncrt_weights_save(const nncrt_model *m, const char *path, const nncrt_weights_meta *meta);
/* Checks the model hash and every tensor (presence, dtype F32, shape) before
   touching m->params. with_opt: also load the optimizer slots and step when
   the file has them (meta->has_opt says whether it did). */
int nncrt_weights_load(const nncrt_model *m, const char *path, bool with_opt,
                       nncrt_weights_meta *meta);
void nncrt_weights_meta_free(nncrt_weights_meta *meta);

/* The spec's class names, or "0".."K-1": a new array of num_classes strings. */
char **nncrt_default_class_names(const nncrt_model *m);
/* Default weights file: "<model name>.safetensors" (caller frees). */
char *nncrt_default_weights_path(const nncrt_model *m);

#endif
