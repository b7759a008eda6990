/* test_optim.c — one optimizer variant (tests/specs/opt_VARIANT.yaml, its
 * trainer included) against Keras 3 (tests/fixtures/make_keras_reference.py):
 * from the fixture's starting weights, five updates with the fixture's
 * gradients, the weights compared after every step. Built per variant and
 * precision:
 *   -DNNC_TRAINER='"path.c"' -DVARIANT='"adam_amsgrad"' [-DNNC_DOUBLE]
 * Both builds are held to Keras computing in float64: 1e-10 in double (nnc
 * keeps some per-step scalars in double where Keras has the variable's
 * dtype), 1e-5 in float. The float build is also compared with Keras in
 * float32, allowed max(1e-5, 2x Keras float32's own distance from float64)
 * per tensor: the two round the same formulas differently (Keras rounds
 * 1 - beta_2 from the Python float, nnc from the float beta_2), and a weight
 * that an update of about lr takes near zero loses digits in either (Adam's
 * first step moves every weight by about lr). Error as in test_reference.c:
 * |a - b| / max(|b|, 1e-2 * max|tensor|), which judges a weight that crosses
 * zero on the scale of its tensor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#define NNC_NO_MAIN
#include NNC_TRAINER
#include "fixture.h"

#ifdef SCHEDULE   /* learning_rate is a schedule: tests/fixtures/make_schedule_reference.py */
#define FIXTURE "tests/fixtures/schedule_ref.safetensors"
#define LR_STEPS 40
#else
#define FIXTURE "tests/fixtures/optim_ref.safetensors"
#endif
#define STEPS 5
#ifdef NNC_DOUBLE
#define PRECISION "double"
#define TOL 1e-10
#else
#define PRECISION "float"
#define TOL 1e-5
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

/* Value i of a fixture tensor: the file packs tensors back to back, so an F64
   tensor after an odd number of F32 values is not 8-byte aligned. */
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

/* The worst error of got[0..n) against want (float or double); with tol > 0
   the values beyond it are reported and fail the test. */
static double worst_error(const char *what, const nnc_real *got, const void *want, int f64,
                          size_t n, double tol)
{
    double scale = 0, worst = 0;
    int bad = 0;
#define WANT(i) (f64 ? read_f64(want, i) : read_f32(want, i))
    for (size_t i = 0; i < n; i++)
        scale = fabs(WANT(i)) > scale ? fabs(WANT(i)) : scale;
    for (size_t i = 0; i < n; i++) {
        double ref = fmax(fabs(WANT(i)), 1e-2 * scale);
        double err = fabs((double)got[i] - WANT(i)) / ref;
        worst = err > worst ? err : worst;
        if (tol > 0 && err > tol && bad++ < 3)
            print_error("%s[%zu]: nnc %.12g, keras %.12g\n", what, i, (double)got[i], WANT(i));
    }
#undef WANT
    assert_int_equal(bad, 0);
    return worst;
}

/* One tensor after step s: against Keras in float64 and, in the float build,
   against Keras in float32. Returns the error against float64. */
static double compare(int s, const nncrt_tensor *t, const nnc_real *got)
{
    char name[128];
    snprintf(name, sizeof name, "f64.%s.%d.%s", VARIANT, s, t->name);
    const void *want = tensor(name, t->count * sizeof(double));
    double worst = worst_error(name, got, want, 1, t->count, TOL);
#ifndef NNC_DOUBLE
    nnc_real keras32[64];
    assert_true(t->count <= 64);
    snprintf(name, sizeof name, "f32.%s.%d.%s", VARIANT, s, t->name);
    const void *want32 = tensor(name, t->count * sizeof(float));
    for (size_t j = 0; j < t->count; j++)
        keras32[j] = (nnc_real)read_f32(want32, j);
    double dev = worst_error("keras float32", keras32, want, 1, t->count, 0);
    worst_error(name, got, want32, 0, t->count, fmax(TOL, 2 * dev));
#endif
    return worst;
}

static void test_five_steps_match_keras(void **state)
{
    (void)state;
    char name[128];
    memset(nnc_params, 0, sizeof nnc_params);
    for (int i = 0; i < NNC_TENSORS; i++) {
        snprintf(name, sizeof name, "init.%s", nnc_tensors[i].name);
        const void *v = tensor(name, nnc_tensors[i].count * sizeof(float));
        for (size_t j = 0; j < nnc_tensors[i].count; j++)
            nnc_params[nnc_tensors[i].offset + j] = (nnc_real)read_f32(v, j);
    }
    nnc_opt_reset();
    double worst = 0;
    int compared = 0;
    for (int s = 1; s <= STEPS; s++) {
        memset(nnc_grads, 0, sizeof nnc_grads);
        for (int i = 0; i < NNC_TENSORS; i++) {
            snprintf(name, sizeof name, "grad%d.%s", s, nnc_tensors[i].name);
            const void *g = tensor(name, nnc_tensors[i].count * sizeof(float));
            for (size_t j = 0; j < nnc_tensors[i].count; j++)
                nnc_grads[nnc_tensors[i].offset + j] = (nnc_real)read_f32(g, j);
        }
#ifdef SCHEDULE   /* the rate runtime/fit.c passes: schedule(iterations before the step) */
        nnc_apply_update((nnc_real)(float)nncrt_learning_rate(&nnc_model, NNC_LR, nnc_step));
#else
        nnc_apply_update((nnc_real)NNC_LR);
#endif
        for (int i = 0; i < NNC_TENSORS; i++, compared++) {
            double w = compare(s, &nnc_tensors[i], nnc_params + nnc_tensors[i].offset);
            worst = w > worst ? w : worst;
        }
    }
    assert_int_equal(compared, STEPS * NNC_TENSORS);
    assert_int_equal(NNC_TENSORS, 4);
    print_message("%-32s %d steps, %d tensors: worst error against Keras float64 %.2e "
                  "(allowed %.0e)\n",
                  VARIANT " " PRECISION, STEPS, NNC_TENSORS, worst, TOL);
}

#ifdef SCHEDULE
/* runtime/schedule.c's rate of steps 0..LR_STEPS-1 against Keras's schedule
   in float64 to 1e-6 relative (the decays agree exactly, the cosine
   schedules to about 1e-7: Keras's cosine path rounds part of its arithmetic
   to float32 even with floatx float64) and in float32 to 1e-5 (Keras's own
   float32 error reaches 1.5e-6 after a few restarts of m_mul^i). */
static void test_rates_match_keras(void **state)
{
    (void)state;
    char name[128];
    snprintf(name, sizeof name, "f64.%s.lr", VARIANT);
    const void *want = tensor(name, LR_STEPS * sizeof(double));
    snprintf(name, sizeof name, "f32.%s.lr", VARIANT);
    const void *want32 = tensor(name, LR_STEPS * sizeof(float));
    double worst = 0, worst32 = 0;
    assert_non_null(nnc_model.lr_schedule);
    for (int s = 0; s < LR_STEPS; s++) {
        double got = nncrt_learning_rate(&nnc_model, -1, s), k = read_f64(want, s);
        double err = fabs(got - k) / fmax(fabs(k), 1e-12);
        double err32 = fabs(got - read_f32(want32, s)) / fmax(fabs(k), 1e-12);
        if (err > 1e-6 || err32 > 1e-5)
            print_error("step %d: nnc %.17g, keras float64 %.17g, float32 %.9g\n", s, got, k,
                        read_f32(want32, s));
        worst = fmax(worst, err), worst32 = fmax(worst32, err32);
    }
    assert_true(worst <= 1e-6);
    assert_true(worst32 <= 1e-5);
    print_message("%-32s %d steps: worst rate error against Keras float64 %.2e, float32 "
                  "%.2e\n", VARIANT, LR_STEPS, worst, worst32);
}
#endif

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
        cmocka_unit_test(test_five_steps_match_keras),
#ifdef SCHEDULE
        cmocka_unit_test(test_rates_match_keras),
#endif
    };
    return cmocka_run_group_tests_name("optimizer " VARIANT " " PRECISION, tests, open_fixture,
                                       close_fixture);
}
