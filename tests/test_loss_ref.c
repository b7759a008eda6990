/* test_loss_ref.c — the loss kernels with label_smoothing and class-weighted
 * target rows against Keras 3 (tests/fixtures/make_keras_reference.py):
 * keras.losses.CategoricalCrossentropy / BinaryCrossentropy with
 * from_logits=True, label_smoothing and sample_weight = each sample's class
 * weight, reduced over the batch size; d loss / d z by jax.grad, in float64.
 * nnc gets the target rows its runtime builds, the one-hot label times the
 * class weight, and smooths them with templates/label_smoothing.c. Built per
 * kernel and precision: -DKIND_BCE for sigmoid_bce (K = 2), else softmax_xent
 * with K = 5; -DNNC_DOUBLE. Tolerances, relative to max(|value|, max|dz|):
 * 1e-12 in double (sums of a few terms; binary: see TOL), 1e-6 in float (z
 * and t are floats exactly; the smoothed targets and the probabilities round
 * to float). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#define NNC_TEMPLATE_ARGS
#define BATCH 7
#ifdef KIND_BCE
#define K 2
#define KIND "bce"
#define ZW 1 /* logits per sample */
#include "../templates/sigmoid_bce.c"
#define LOSS_KERNEL sigmoid_bce
#else
#define K 5
#define KIND "cce"
#define ZW K
#include "../templates/softmax_xent.c"
#define LOSS_KERNEL softmax_xent
#endif
static nnc_real ls_value;
#define LABEL_SMOOTHING ls_value
#include "../templates/label_smoothing.c"
#include "fixture.h"

#define FIXTURE "tests/fixtures/loss_ref.safetensors"
#if defined NNC_DOUBLE && defined KIND_BCE
/* Keras's binary_crossentropy ends in ops.mean over the last axis, which its
   JAX backend computes in float32 even for float64 input
   (backend/jax/numpy.py, mean: compute_dtype = result_type(dtype, "float32")),
   so its float64 reference is good to about 1e-7. */
#define TOL 2e-7
#elif defined NNC_DOUBLE
#define TOL 1e-12
#else
#define TOL 1e-6
#endif

static fixture fx;

static const void *tensor(const char *name, size_t bytes)
{
    size_t got = 0;
    const void *p = fixture_tensor(&fx, name, &got);
    if (!p || got != bytes)
        fail_msg("fixture tensor %s missing or of the wrong size", name);
    return p;
}

/* Value i of a fixture tensor (F64 tensors may follow F32 ones unaligned). */
static double read_f64(const void *p, size_t i)
{
    double v;
    memcpy(&v, (const char *)p + i * sizeof v, sizeof v);
    return v;
}

static double read_f32(const void *p, size_t i)
{
    float v;
    memcpy(&v, (const char *)p + i * sizeof v, sizeof v);
    return v;
}

/* The cases of make_keras_reference.py's LOSS_CASES for this kernel. */
static const struct {
    const char *name;
    double ls;
} cases[] = {{"", 0.0}, {"_smooth", 0.1}, {"_weighted", 0.0},
#ifdef KIND_BCE
             {"_smooth_weighted", 0.25}};
#else
             {"_smooth_weighted", 0.2}};
#endif

static void test_loss_and_gradient_match_keras(void **state)
{
    (void)state;
    char name[64];
    int checked = 0;
    for (int c = 0; c < 4; c++) {
        nnc_real z[BATCH * ZW], t[BATCH * K], p[BATCH * K], dz[BATCH * ZW];
        snprintf(name, sizeof name, KIND "%s.z", cases[c].name);
        const void *zf = tensor(name, sizeof(float) * BATCH * ZW);
        snprintf(name, sizeof name, KIND "%s.t", cases[c].name);
        const void *tf = tensor(name, sizeof(float) * BATCH * K);
        for (int i = 0; i < BATCH * ZW; i++)
            z[i] = (nnc_real)read_f32(zf, (size_t)i);
        for (int i = 0; i < BATCH * K; i++)
            t[i] = (nnc_real)read_f32(tf, (size_t)i);
        ls_value = (nnc_real)cases[c].ls;
        /* label_smoothing 0 is the kernel alone: what nnc emits then */
        double loss = ls_value > 0 ? smoothed_loss(p, dz, z, t, BATCH)
                                   : LOSS_KERNEL(p, dz, z, t, BATCH);
        snprintf(name, sizeof name, "f64." KIND "%s.loss", cases[c].name);
        double want = read_f64(tensor(name, sizeof(double)), 0);
        snprintf(name, sizeof name, "f64." KIND "%s.dz", cases[c].name);
        const void *wdz = tensor(name, sizeof(double) * BATCH * ZW);
        double scale = 0, worst = fabs(loss - want) / fabs(want);
        for (int i = 0; i < BATCH * ZW; i++)
            scale = fmax(scale, fabs(read_f64(wdz, (size_t)i)));
        for (int i = 0; i < BATCH * ZW; i++) {
            double want_dz = read_f64(wdz, (size_t)i);
            double err = fabs(dz[i] - want_dz) / fmax(fabs(want_dz), scale);
            if (err > TOL)
                print_error(KIND "%s dz[%d]: nnc %.12g, keras %.12g\n", cases[c].name, i,
                            (double)dz[i], want_dz);
            worst = fmax(worst, err);
        }
        print_message(KIND "%-18s loss nnc %.9f keras %.9f, worst error %.1e (allowed %.0e)\n",
                      cases[c].name, loss, want, worst, TOL);
        assert_true(worst <= TOL);
        checked++;
    }
    assert_int_equal(checked, 4);
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
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_and_gradient_match_keras),
    };
    return cmocka_run_group_tests_name("loss " KIND " against Keras", tests, open_fixture,
                                       close_fixture);
}
