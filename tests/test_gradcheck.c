/* test_gradcheck.c — the generated backward pass against central finite
 * differences of the generated forward pass, in double precision, for every
 * parameter of a small model. Built once per spec in tests/specs/gc_*.yaml:
 *   cc -DNNC_DOUBLE -DNNC_NO_RUNTIME -DNNC_TRAINER='"build/gc_x.c"' ...
 * The specs together cover every op and every option of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include NNC_TRAINER

#define N_SAMPLES (NNC_BATCH > 1 ? NNC_BATCH - 1 : 1) /* a partial batch */

static nnc_real x[NNC_BATCH * NNC_IN_SIZE], t[NNC_BATCH * NNC_CLASSES];
static nnc_real analytic[NNC_PARAM_BLOCK];
static uint64_t ids[NNC_BATCH];

static double uniform(uint64_t *s) { return (double)(nnc_splitmix64(s) >> 11) * 0x1.0p-53; }

static void setup_data(void)
{
    uint64_t s = 42;
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (nnc_real)(255 * uniform(&s));
    for (int n = 0; n < NNC_BATCH; n++)
        t[n * NNC_CLASSES + (int)(uniform(&s) * NNC_CLASSES)] = 1;
    nnc_init_params(7);
    for (int i = 0; i < NNC_BATCH; i++)
        ids[i] = (uint64_t)(3 * i + 1); /* a fixed batch key: masks frozen */
    nnc_key.seed = 5, nnc_key.epoch = 2, nnc_key.ids = ids;
    /* non-zero biases, so their gradients and the ReLU masks are not special */
    for (size_t i = 0; i < NNC_PARAM_BLOCK; i++)
        if (nnc_params[i] == 0)
            nnc_params[i] = (nnc_real)(0.1 * (uniform(&s) - 0.5));
}

/* The training-mode loss (batch statistics, the batch key's dropout masks),
 * without any update: what the backward pass differentiates. */
static double loss_at(void) { return nnc_train_loss(x, t, N_SAMPLES); }

static void test_gradients_match_finite_differences(void **state)
{
    (void)state;
    setup_data();
    nnc_compute_grads(x, t, N_SAMPLES);
    memcpy(analytic, nnc_grads, sizeof analytic);
    int checked = 0, bad = 0;
    for (size_t i = 0; i < NNC_PARAM_BLOCK; i++) {
        nnc_real w = nnc_params[i];
        const double h = 1e-6;
        nnc_params[i] = w + h;
        double up = loss_at();
        nnc_params[i] = w - h;
        double down = loss_at();
        nnc_params[i] = w;
        double fd = (up - down) / (2 * h);
        /* central differences err by O(h^2) plus rounding of about 1e-16/h; both
           stay far below 1e-7 for these smooth-almost-everywhere losses */
        if (fabs(fd - analytic[i]) > 1e-7 + 1e-5 * fabs(fd)) {
            if (bad++ < 5)
                print_error("param %zu: backward %.10g, finite difference %.10g\n", i,
                            analytic[i], fd);
        }
        checked++;
    }
    assert_int_equal(bad, 0);
    assert_true(checked > 10);
}

/* The probabilities of the partial batch sum to one and the loss is positive. */
static void test_probabilities_are_normalized(void **state)
{
    (void)state;
    setup_data();
    double loss = nnc_eval_real(x, t, N_SAMPLES);
    assert_true(loss > 0 && isfinite(loss));
    for (int n = 0; n < N_SAMPLES; n++) {
        double sum = 0;
        for (int k = 0; k < NNC_CLASSES; k++)
            sum += nnc_probs[n * NNC_CLASSES + k];
        assert_true(fabs(sum - 1) < 1e-12);
    }
}

/* One optimizer step along the computed gradient lowers the loss. */
static void test_step_descends(void **state)
{
    (void)state;
    setup_data();
    double before = loss_at();
    nnc_opt_reset();
    nnc_train_step_real(x, t, N_SAMPLES, 1e-3);
    assert_true(loss_at() < before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients_match_finite_differences),
        cmocka_unit_test(test_probabilities_are_normalized),
        cmocka_unit_test(test_step_descends),
    };
    return cmocka_run_group_tests_name(NNC_TRAINER, tests, NULL, NULL);
}
