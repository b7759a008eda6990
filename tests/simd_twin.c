/* simd_twin.c — one generated trainer behind a prefixed interface, so that a
 * test can link the same spec compiled for two targets (scalar and SIMD) into
 * one program. Built with -DNNC_TRAINER='"x.c"' -DTWIN=scalar (or simd). */
#define NNC_NO_RUNTIME
#include NNC_TRAINER

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define TWIN_FN(name) CAT(TWIN, name)

size_t TWIN_FN(param_block)(void) { return NNC_PARAM_BLOCK; }
int TWIN_FN(batch)(void) { return NNC_BATCH; }
int TWIN_FN(in_size)(void) { return NNC_IN_SIZE; }
int TWIN_FN(classes)(void) { return NNC_CLASSES; }

void TWIN_FN(init)(uint64_t seed, float *params)
{
    nnc_init_params(seed);
    memcpy(params, nnc_params, sizeof nnc_params);
}

/* Loss, probabilities and every gradient at the given parameters. */
double TWIN_FN(grads)(const float *params, const float *x, const float *t, int n, float *probs,
                      float *grads)
{
    memcpy(nnc_params, params, sizeof nnc_params);
    double loss = nnc_compute_grads(x, t, n);
    memcpy(probs, nnc_probs, sizeof *probs * (size_t)n * NNC_CLASSES);
    memcpy(grads, nnc_grads, sizeof nnc_grads);
    return loss;
}
