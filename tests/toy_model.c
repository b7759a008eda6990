/* toy_model.c — a hand-written stand-in for an nnc-generated trainer, used
 * to test libnncrt end to end: multinomial logistic regression on a 28x28x1
 * input (rescaling 1/255 -> dense 10 -> softmax), categorical cross-entropy
 * with Keras' probability clipping, SGD with momentum 0.9 (Keras rule:
 * m = 0.9 m - lr g; w += m), fixed batch size 32.
 *
 * Built twice: plain, and with -DTOY_OTHER, which is "another model" (other
 * name and hash) for the tests that weights of a wrong model are refused.
 *
 * Test hook for a diverging fit: TOY_NAN_AT_STEP=N makes optimizer step N
 * (1-based, the count a resumed run restores) return a NaN loss and write a
 * NaN into the kernel, as a too-large learning rate would; with
 * TOY_NAN_LOSS_ONLY=1 as well, only the loss of step N is NaN and the
 * weights stay finite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nncrt.h"

#ifdef TOY_OTHER
#define TOY_NAME "toy_other"
#define TOY_HASH "b0a7ee42eeb20532f1b939ae646750cc479cdea5025fa8adcffe12f4ebb97a76"
#else
#define TOY_NAME "toy_logreg"
#define TOY_HASH "eac22cfd914a82eafd832b4ce7dd512c80ef8137877a879add8c00bba5f97bcd"
#endif

#define H 28
#define W 28
#define C 1
#define K 10
#define B 32
#define D (H * W * C)
#define KERNEL 0                 /* offsets into params, in floats */
#define BIAS (D * K)
#define NPARAMS (D * K + K)
#define MOMENTUM 0.9f

static float params[NPARAMS];            /* kernel [D][K], then bias [K] */
static float velocity[NPARAMS];          /* optimizer slot 0 */
static int64_t step;
static float grad[NPARAMS];              /* scratch: gradient of one batch */
static float xs[B][D];                   /* scratch: rescaled inputs */

static const nncrt_tensor tensors[] = {
    { "l01_dense.kernel", 2, { D, K, 0, 0 }, KERNEL, (size_t)D * K, NNCRT_TENSOR_TRAINABLE },
    { "l01_dense.bias", 1, { K, 0, 0, 0 }, BIAS, K, NNCRT_TENSOR_TRAINABLE },
};

static const nncrt_layer_info layers[] = {
    { "l01_dense", "dense", "(None, 10)", NPARAMS, 12 },
};

static const char *const class_names[K] = {
    "T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot",
};

/* Glorot uniform kernel from a splitmix64 stream, zero bias (Keras defaults). */
static void init_params(uint64_t seed)
{
    uint64_t s = seed;
    float limit = sqrtf(6.0f / (D + K));
    for (int i = 0; i < D * K; i++) {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        float u = (float)(z >> 40) * (1.0f / 16777216.0f);   /* [0,1) */
        params[KERNEL + i] = (2 * u - 1) * limit;
    }
    memset(params + BIAS, 0, K * sizeof(float));
}

static void opt_reset(void)
{
    memset(velocity, 0, sizeof velocity);
    step = 0;
}

/* probs[n][K] = softmax(x/255 . kernel + bias); keeps x/255 in xs. */
static void forward(const float *x, int n, float *probs)
{
    for (int i = 0; i < n; i++) {
        float *p = probs + i * K, max = -INFINITY, sum = 0;
        for (int d = 0; d < D; d++)
            xs[i][d] = x[i * D + d] * (1.0f / 255.0f);
        for (int k = 0; k < K; k++) {
            float z = params[BIAS + k];
            for (int d = 0; d < D; d++)
                z += xs[i][d] * params[KERNEL + d * K + k];
            p[k] = z;
            max = z > max ? z : max;
        }
        for (int k = 0; k < K; k++)
            sum += p[k] = expf(p[k] - max);
        for (int k = 0; k < K; k++)
            p[k] /= sum;
    }
}

/* Keras categorical cross-entropy on probabilities: clip to [1e-7, 1-1e-7]. */
static double loss(const float *y, const float *probs, int n)
{
    double total = 0;
    for (int i = 0; i < n * K; i++) {
        float p = probs[i] < 1e-7f ? 1e-7f : probs[i] > 1 - 1e-7f ? 1 - 1e-7f : probs[i];
        total -= y[i] * log(p);
    }
    return total / n;
}

static double eval_batch(const float *x, const float *y, int n, float *probs)
{
    forward(x, n, probs);
    return loss(y, probs, n);
}

/* TOY_NAN_AT_STEP: the step that diverges, or 0 (read once). */
static int64_t nan_step(int *loss_only)
{
    static int64_t at = -1;
    static int only;
    if (at < 0) {
        const char *s = getenv("TOY_NAN_AT_STEP"), *o = getenv("TOY_NAN_LOSS_ONLY");
        at = s ? strtoll(s, NULL, 10) : 0;
        only = o && *o == '1';
    }
    *loss_only = only;
    return at;
}

static int diverged; /* the step TOY_NAN_AT_STEP names: the update only counts it */

static double compute_grads(const float *x, const float *y, int n, const nncrt_batch_key *key,
                            float *probs)
{
    (void)key;   /* nothing random in this model */
    forward(x, n, probs);
    double l = loss(y, probs, n);
    int loss_only;
    diverged = nan_step(&loss_only) == step + 1;
    if (diverged) {
        if (!loss_only)
            params[KERNEL] = NAN;
        return NAN;
    }
    memset(grad, 0, sizeof grad);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < K; k++) {
            float g = (probs[i * K + k] - y[i * K + k]) / n;   /* softmax + xent */
            grad[BIAS + k] += g;
            for (int d = 0; d < D; d++)
                grad[KERNEL + d * K + k] += xs[i][d] * g;
        }
    }
    return l;
}

static void apply_update(float lr)
{
    for (int j = 0; j < NPARAMS && !diverged; j++) {
        velocity[j] = MOMENTUM * velocity[j] - lr * grad[j];
        params[j] += velocity[j];
    }
    step++;
}

static double train_step(const float *x, const float *y, int n, float lr,
                         const nncrt_batch_key *key, float *probs)
{
    double l = compute_grads(x, y, n, key, probs);
    apply_update(lr);
    return l;
}

static void predict(const float *x, int n, float *probs)
{
    forward(x, n, probs);
}

static const nncrt_model model = {
    .abi = NNCRT_ABI,
    .name = TOY_NAME,
    .spec_file = "tests/toy_model.c",
    .model_hash = TOY_HASH,
    .nnc_version = "test",
    .in_h = H, .in_w = W, .in_c = C,
    .num_classes = K,
    .batch_size = B,
    .num_class_names = K,
    .class_names = class_names,
    .tensors = tensors,
    .num_tensors = 2,
    .num_params = NPARAMS,
    .params = params,
    .grads = grad,
    .trainable_count = NPARAMS,
    .opt_slots = 1,
    .opt_state = velocity,
    .opt_step = &step,
    .layers = layers,
    .num_layers = 1,
    .plan_bytes = sizeof params + sizeof velocity + sizeof grad + sizeof xs,
    .data_train = NULL,
    .data_validation = NULL,
    .validation_split = 0.2,
    .seed = 1337,
    .epochs = 2,
    .shuffle = 1,
    .learning_rate = 0.02,
    .loss = "categorical_crossentropy",
    .optimizer = "sgd",
    .init_params = init_params,
    .opt_reset = opt_reset,
    .train_step = train_step,
    .compute_grads = compute_grads,
    .apply_update = apply_update,
    .eval_batch = eval_batch,
    .predict = predict,
};

int main(int argc, char **argv)
{
    return nncrt_main(&model, argc, argv);
}
