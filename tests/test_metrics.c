/* test_metrics.c — fit's metrics (runtime/metrics_fit.c) against
 * scikit-learn on a fixed prediction set (tests/fixtures/metrics_ref.h, made
 * by tests/fixtures/make_metrics_reference.py), fed in uneven batches as
 * fit feeds them; and the fit state that --resume reads keeps them exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "callbacks.h"
#include "fit_state.h"
#include "metrics.h"
#include "nncrt.h"

#include "fixtures/metrics_ref.h"

#define TOL 1e-12

static void near(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= TOL))
        fail_msg("%s: %.17g, scikit-learn %.17g", what, got, want);
}
#define assert_double_equal(got, want, tol) near(got, want, #got)

static void feed(nncrt_metrics *m, const float *p, const int *y, int n, int k)
{
    for (int at = 0, bs = 7; at < n; at += bs, bs = bs == 7 ? 13 : 7) {
        int cnt = n - at < bs ? n - at : bs;
        nncrt_metrics_add(m, p + (size_t)at * (size_t)k, y + at, cnt, 0.5);
    }
}

static void test_multiclass(void **state)
{
    (void)state;
    nncrt_metrics m;
    nncrt_metrics_init(&m, REF_K);
    nncrt_metrics_enable(&m, 3, false, false);
    feed(&m, ref_probs, ref_labels, REF_N, REF_K);
    assert_double_equal(nncrt_metrics_accuracy(&m), ref_acc, TOL);
    assert_double_equal(nncrt_metrics_top_k(&m), ref_top3, TOL);
    assert_double_equal(nncrt_metrics_precision(&m), ref_precision, TOL);
    assert_double_equal(nncrt_metrics_recall(&m), ref_recall, TOL);
    assert_double_equal(nncrt_metrics_f1(&m, NNCRT_F1_MICRO, 0), ref_f1_micro, TOL);
    assert_double_equal(nncrt_metrics_f1(&m, NNCRT_F1_MACRO, 0), ref_f1_macro, TOL);
    assert_double_equal(nncrt_metrics_f1(&m, NNCRT_F1_WEIGHTED, 0), ref_f1_weighted, TOL);
    for (int c = 0; c < REF_K; c++)
        assert_double_equal(nncrt_metrics_f1(&m, NNCRT_F1_NONE, c), ref_f1_class[c], TOL);
    nncrt_metrics_free(&m);
}

static void test_binary(void **state)
{
    (void)state;
    float *p = malloc(2 * REF_N * sizeof *p);
    for (int i = 0; i < REF_N; i++)   /* the runtime sees (1 - p, p) */
        p[2 * i] = 1 - refb_p[i], p[2 * i + 1] = refb_p[i];
    nncrt_metrics m;
    nncrt_metrics_init(&m, 2);
    nncrt_metrics_enable(&m, 0, true, true);
    feed(&m, p, refb_labels, REF_N, 2);
    assert_double_equal(nncrt_metrics_precision(&m), refb_precision, TOL);
    assert_double_equal(nncrt_metrics_recall(&m), refb_recall, TOL);
    assert_double_equal(nncrt_metrics_f1(&m, NNCRT_F1_NONE, 0), refb_f1, TOL);
    assert_double_equal(nncrt_metrics_auc(&m), refb_auc, TOL);
    nncrt_metrics_free(&m);
    free(p);
}

/* Half the set, a fit state saved and loaded, then the rest: the same values. */
static void test_state_roundtrip(void **state)
{
    (void)state;
    float *p = malloc(2 * REF_N * sizeof *p);
    for (int i = 0; i < REF_N; i++)
        p[2 * i] = 1 - refb_p[i], p[2 * i + 1] = refb_p[i];
    nncrt_model model = { .num_classes = 2 };
    nncrt_callbacks cb;
    nncrt_callbacks_init(&cb, &model, "w.safetensors");
    nncrt_metrics a, b;
    nncrt_metrics_init(&a, 2);
    nncrt_metrics_init(&b, 2);
    nncrt_metrics_enable(&a, 0, true, true);
    nncrt_metrics_enable(&b, 0, true, true);
    feed(&a, p, refb_labels, REF_N / 2, 2);
    nncrt_fit_state fs = { 5, 0.125f }, got;
    char *text = nncrt_fit_state_save(&fs, &a, &cb);
    assert_int_equal(nncrt_fit_state_load(text, &got, &b, &cb), 0);
    assert_int_equal(got.step, 5);
    assert_true(got.lr == 0.125f);
    int half = REF_N / 2;
    feed(&a, p + 2 * half, refb_labels + half, REF_N - half, 2);
    feed(&b, p + 2 * half, refb_labels + half, REF_N - half, 2);
    assert_true(nncrt_metrics_auc(&a) == nncrt_metrics_auc(&b));
    assert_true(nncrt_metrics_loss(&a) == nncrt_metrics_loss(&b));
    assert_double_equal(nncrt_metrics_auc(&b), refb_auc, TOL);
    assert_int_equal(nncrt_fit_state_load("nnc_fit_state 1\nstep 3\nlr 0x1p-3\ntrain x\n", &got,
                                          &b, &cb), -1);
    free(text);
    nncrt_metrics_free(&a);
    nncrt_metrics_free(&b);
    nncrt_callbacks_free(&cb);
    free(p);
}

/* model_checkpoint's file names: fields and formats as Python's str.format. */
static void test_checkpoint_path(void **state)
{
    (void)state;
    char *names[] = {"loss", "val_loss"};
    double v[] = {0.5, 0.123456};
    bool has[] = {true, true};
    nncrt_logs l = { .n = 2, .names = names, .v = v, .has = has };
    char *p = nncrt_checkpoint_path("w-{epoch:02d}-{val_loss:.3f}{{x}}.safetensors", 6, &l);
    assert_string_equal(p, "w-07-0.123{x}.safetensors");
    free(p);
    p = nncrt_checkpoint_path("e{epoch}%n%s.st", 0, &l);   /* printf text is only text */
    assert_string_equal(p, "e1%n%s.st");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multiclass),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_checkpoint_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
