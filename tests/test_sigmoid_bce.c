/* test_sigmoid_bce.c — templates/sigmoid_bce.c against the textbook loss
 * -y log p - (1-y) log(1-p), p = sigmoid(z), written as
 * y log(1 + e^-z) + (1-y) log(1 + e^z) and evaluated in long double, whose
 * range holds e^800 (float and double would overflow there). Built in double
 * (-DNNC_DOUBLE) and float. The gradient's consistency with the loss is test_gradcheck's job
 * (tests/specs/gc_binary*.yaml); this checks the values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "../templates/sigmoid_bce.c"

static const double zs[] = {-800, -30, -2.5, -1e-3, 0, 1e-3, 0.75, 4, 30, 800};
static const double ys[] = {0, 1, 0.3};
enum { NZ = sizeof zs / sizeof zs[0] };

/* float rounds z and the probabilities: 1e-6 relative to the loss (|loss| <=
   800) is ten float ulps; double must agree to 1e-12. */
#ifdef NNC_DOUBLE
#define TOL 1e-12
#else
#define TOL 1e-6
#endif

static long double textbook(long double z, long double y)
{
    return y * logl(1 + expl(-z)) + (1 - y) * logl(1 + expl(z));
}

static void test_loss_values(void **state)
{
    (void)state;
    int checked = 0;
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < NZ; i++) {
            nnc_real z = (nnc_real)zs[i], t[2] = {(nnc_real)(1 - ys[j]), (nnc_real)ys[j]}, p[2];
            nnc_real dz;
            double got = sigmoid_bce(p, &dz, &z, t, 1);
            long double want = textbook(z, t[1]);
            if (!isfinite(got) || fabsl(got - want) > TOL * (1 + fabsl(want)))
                fail_msg("z %g y %g: loss %.17g, want %.17Lg", zs[i], ys[j], got, want);
            long double q = 1 / (1 + expl(-(long double)z));
            assert_true(fabsl(p[1] - q) <= TOL && fabsl(p[0] - (1 - q)) <= TOL);
            assert_true(fabsl(dz - (q - t[1])) <= TOL);
            checked++;
        }
    assert_int_equal(checked, 3 * NZ);
}

/* The batch loss is the mean and the gradient carries 1/n. */
static void test_batch_mean(void **state)
{
    (void)state;
    nnc_real z[NZ], t[2 * NZ], p[2 * NZ], dz[NZ];
    double sum = 0;
    for (int i = 0; i < NZ; i++) {
        z[i] = (nnc_real)zs[i];
        t[2 * i + 1] = (nnc_real)(i % 2), t[2 * i] = (nnc_real)(1 - i % 2);
        nnc_real one;
        sum += sigmoid_bce(p, &one, &z[i], &t[2 * i], 1);
    }
    double mean = sigmoid_bce(p, dz, z, t, NZ);
    assert_true(fabs(mean - sum / NZ) <= TOL * (1 + fabs(mean)));
    for (int i = 0; i < NZ; i++)
        assert_true(fabs(dz[i] * NZ - (p[2 * i + 1] - t[2 * i + 1])) <= TOL);
}

/* Keras's binary accuracy predicts class 1 when p > 0.5; the runtime takes the
   first maximum of (1 - p, p), which is the same rule, z = 0 included. */
static void test_threshold_is_argmax(void **state)
{
    (void)state;
    for (int i = 0; i < NZ; i++) {
        nnc_real z = (nnc_real)zs[i], p[2];
        sigmoid_probs(p, &z, 1);
        int argmax = p[1] > p[0];
        assert_int_equal(argmax, p[1] > 0.5);
        assert_int_equal(argmax, zs[i] > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_values),
        cmocka_unit_test(test_batch_mean),
        cmocka_unit_test(test_threshold_is_argmax),
    };
    return cmocka_run_group_tests_name(__FILE__, tests, NULL, NULL);
}
