/* test_opref.c — one nnc model against its PyTorch reference
 * (tests/fixtures/make_op_reference.py, model tests/fixtures/opref/NAME.py):
 * from the fixture's initial tensors, the training-mode forward pass and
 * loss, every gradient, the inference forward pass, then 3 SGD steps (the
 * losses, every tensor after them, state included: moving statistics) and
 * the inference pass after them. Built per model and precision:
 *   -DNNC_TRAINER='"build/gen/ref_NAME.c"' -DFIXTURE='"tests/fixtures/ref_NAME.safetensors"'
 * The double build (scalar kernels) must agree with PyTorch's float64 values
 * within 1e-4 relative; the float build within max(1e-4, 2x PyTorch's own
 * float32 deviation), which the fixture records per tensor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#define NNC_NO_MAIN
#include NNC_TRAINER
#include "fixture.h"

#ifdef NNC_DOUBLE
#define PRECISION "double"
#else
#define PRECISION "float"
#endif

static fixture fx;
static int compared; /* tensors compared: a test that compared none fails */

static const float *tensor(const char *name, size_t count)
{
    size_t bytes = 0;
    const float *p = fixture_tensor(&fx, name, &bytes);
    if (!p || bytes != count * sizeof(float))
        fail_msg("fixture tensor %s missing or of the wrong size", name);
    return p;
}

/* err = |a - b| / max(|b|, 1e-2 max|tensor|, 1e-10): a value that cancels to
 * near zero is judged on its tensor's scale, and a tensor that is zero up to
 * rounding (the bias of a layer before a batch normalization) absolutely. */
static void expect_close(const char *what, const nnc_real *got, const float *want, size_t n)
{
    double tol = 1e-4;
#ifndef NNC_DOUBLE
    char name[160];
    size_t bytes = 0;
    snprintf(name, sizeof name, "tol32.%s", what);
    const float *dev = fixture_tensor(&fx, name, &bytes);
    if (dev && bytes == sizeof(float))
        tol = fmax(tol, 2 * dev[0]);
#endif
    float scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fabsf(want[i]) > scale ? fabsf(want[i]) : scale;
    size_t bad = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double ref = fmax(fmax(fabsf(want[i]), 1e-2 * scale), 1e-10), err = fabs(got[i] - want[i]) / ref;
        worst = err > worst ? err : worst;
        if (!(err <= tol) && bad++ < 3)
            print_error("%s[%zu]: nnc %.9g, pytorch %.9g\n", what, i, (double)got[i], want[i]);
    }
    print_message("%-34s worst relative error %.2e (allowed %.1e) over %zu values\n", what, worst,
                  tol, n);
    compared++;
    assert_int_equal(bad, 0);
}

static nnc_real x[NNC_BATCH * NNC_IN_SIZE], y[NNC_BATCH * NNC_CLASSES];
static uint64_t ids[NNC_BATCH];

static nnc_real *block_of(const nncrt_tensor *t)
{
    return (t->kind == NNCRT_TENSOR_STATE ? nnc_state : nnc_params) + t->offset;
}

static void load_initial(void)
{
    char name[160];
    memset(nnc_params, 0, sizeof nnc_params);
    memset(nnc_state, 0, sizeof nnc_state);
    for (int i = 0; i < NNC_TENSORS; i++) {
        snprintf(name, sizeof name, "init.%s", nnc_tensors[i].name);
        const float *v = tensor(name, nnc_tensors[i].count);
        for (size_t k = 0; k < nnc_tensors[i].count; k++)
            block_of(&nnc_tensors[i])[k] = v[k];
    }
    const float *xs = tensor("x", (size_t)NNC_BATCH * NNC_IN_SIZE);
    const float *ys = tensor("y", (size_t)NNC_BATCH * NNC_CLASSES);
    for (size_t i = 0; i < (size_t)NNC_BATCH * NNC_IN_SIZE; i++)
        x[i] = xs[i];
    for (size_t i = 0; i < (size_t)NNC_BATCH * NNC_CLASSES; i++)
        y[i] = ys[i];
    for (int i = 0; i < NNC_BATCH; i++)
        ids[i] = (uint64_t)i;
    nnc_key.seed = 1, nnc_key.epoch = 0, nnc_key.ids = ids;
    nnc_opt_reset();
}

static void test_training_pass(void **state)
{
    (void)state;
    char name[160];
    load_initial();
    nnc_real loss = (nnc_real)nnc_compute_grads(x, y, NNC_BATCH);
    expect_close("train.loss", &loss, tensor("train.loss", 1), 1);
    expect_close("train.probs", nnc_probs, tensor("train.probs", NNC_BATCH * NNC_CLASSES),
                 NNC_BATCH * NNC_CLASSES);
    for (int i = 0; i < NNC_TENSORS; i++) {
        if (nnc_tensors[i].kind != NNCRT_TENSOR_TRAINABLE)
            continue;
        snprintf(name, sizeof name, "grad.%s", nnc_tensors[i].name);
        expect_close(name, nnc_grads + nnc_tensors[i].offset, tensor(name, nnc_tensors[i].count),
                     nnc_tensors[i].count);
    }
}

static void test_inference_pass(void **state)
{
    (void)state;
    load_initial();
    nnc_real loss = (nnc_real)nnc_eval_real(x, y, NNC_BATCH);
    expect_close("infer.loss", &loss, tensor("infer.loss", 1), 1);
    expect_close("infer.probs", nnc_probs, tensor("infer.probs", NNC_BATCH * NNC_CLASSES),
                 NNC_BATCH * NNC_CLASSES);
}

static void test_three_steps(void **state)
{
    (void)state;
    char name[160];
    nnc_real losses[3];
    load_initial();
    for (int s = 0; s < 3; s++) {
        nnc_key.epoch = s;
        losses[s] = (nnc_real)nnc_train_step_real(x, y, NNC_BATCH, (nnc_real)NNC_LR);
    }
    expect_close("sgd.loss", losses, tensor("sgd.loss", 3), 3);
    for (int i = 0; i < NNC_TENSORS; i++) {
        snprintf(name, sizeof name, "sgd.%s", nnc_tensors[i].name);
        expect_close(name, block_of(&nnc_tensors[i]), tensor(name, nnc_tensors[i].count),
                     nnc_tensors[i].count);
    }
    nnc_eval_real(x, y, NNC_BATCH);
    expect_close("final.probs", nnc_probs, tensor("final.probs", NNC_BATCH * NNC_CLASSES),
                 NNC_BATCH * NNC_CLASSES);
}

static int open_fixture(void **state)
{
    (void)state;
    if (fixture_open(&fx, FIXTURE)) {
        print_error("cannot read %s\n", FIXTURE);
        return -1;
    }
    return 0;
}

static int close_fixture(void **state)
{
    (void)state;
    fixture_close(&fx);
    if (compared < 6) {
        print_error("only %d tensors compared\n", compared);
        return -1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_training_pass),
        cmocka_unit_test(test_inference_pass),
        cmocka_unit_test(test_three_steps),
    };
    return cmocka_run_group_tests_name("opref " FIXTURE " " PRECISION, tests, open_fixture,
                                       close_fixture);
}
