/* fuzz/safetensors.c — libFuzzer target: bytes as a weights file of a small
 * fixed model (the one fuzz/make_safetensors_corpus.py writes seeds for),
 * through nncrt_weights_load_mem, which shares every step with the loader of
 * files: size against the model, the JSON header (jansson), the tensor
 * table, metadata (class names, optimizer step, history), values. Then the
 * container alone, as a reader of any safetensors file. Every input must end
 * in weights that pass every check or in a reported error, with no sanitizer
 * report; accepted weights are checked again here. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "safetensors.h"
#include "util.h"
#include "weights.h"

#define NPARAMS 12                  /* 10 values and 2 floats of alignment padding */
static float params[NPARAMS], opt[2][NPARAMS];
static int64_t step;

static const nncrt_tensor tensors[] = {
    { "l01_dense.kernel", 2, { 4, 2, 0, 0 }, 0, 8, NNCRT_TENSOR_TRAINABLE },
    { "l01_dense.bias", 1, { 2, 0, 0, 0 }, 8, 2, NNCRT_TENSOR_TRAINABLE },
};
static const char *const names[] = { "cat", "dog" };

static const nncrt_model model = {
    .abi = NNCRT_ABI, .name = "fuzz", .model_hash = "f00df00d", .nnc_version = "fuzz",
    .in_h = 2, .in_w = 2, .in_c = 1, .num_classes = 2, .batch_size = 4,
    .num_class_names = 2, .class_names = names, .tensors = tensors, .num_tensors = 2,
    .num_params = NPARAMS, .params = params, .opt_slots = 2, .opt_state = &opt[0][0],
    .opt_step = &step, .optimizer = "adam", .loss = "sparse_categorical_crossentropy",
};

/* What a successful load promises. */
static void check_loaded(const nncrt_weights_meta *meta, bool with_opt)
{
    for (int i = 0; i < 10; i++)
        if (!isfinite(params[i]))
            abort();
    if (meta->num_class_names != 2 || !meta->class_names[0][0] || !meta->class_names[1][0] ||
        strcmp(meta->class_names[0], meta->class_names[1]) == 0)
        abort();
    if (with_opt && meta->has_opt && (step < 0 || step > NNCRT_MAX_OPT_STEP))
        abort();
    if (meta->history && strncmp(meta->history, "epoch,", 6)) /* this model's columns or the record's own */
        abort();
}

static void container(const uint8_t *data, size_t size)
{
    nncrt_st_file f;
    if (nncrt_st_open_mem(&f, "fuzz.safetensors", data, size) == 0 &&
        nncrt_st_read_header(&f) == 0 && nncrt_st_read_data(&f) == 0) {
        for (size_t i = 0; i < f.n; i++) {
            const nncrt_st_tensor *t = &f.tensors[i];
            if (strcmp(t->dtype, "F32") != 0)
                continue;
            float *v = nncrt_xmalloc(t->end - t->begin);
            nncrt_st_get_f32(&f, t, v);
            free(v);
        }
        (void)nncrt_st_meta(&f, "class_names");
    }
    nncrt_st_close(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nncrt_quiet = true;
    for (int with_opt = 0; with_opt < 2; with_opt++) {
        nncrt_weights_meta meta;
        if (nncrt_weights_load_mem(&model, "fuzz.safetensors", data, size, with_opt, &meta) == 0) {
            check_loaded(&meta, with_opt);
            nncrt_weights_meta_free(&meta);
        }
    }
    container(data, size);
    return 0;
}
