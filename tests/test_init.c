/* test_init.c — Keras's initializers as nnc emits them for
 * tests/specs/init_stats.yaml (-DNNC_TRAINER): each tensor's mean, variance,
 * bound and shape of distribution after nnc_init_params(seed), against
 * Keras 3's VarianceScaling formulas re-derived here from the tensor's shape
 * (compute_fans: a vector's fans are its length; a conv kernel's are
 * kh kw cin and kh kw cout): variance scale / max(1, fan) with fan_in
 * (he: scale 2, lecun: 1) or (fan_in + fan_out) / 2 (glorot); uniform on
 * +-sqrt(3 variance), normal truncated at 2 stddev with stddev
 * sqrt(variance) / 0.87962566103423978. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#define NNC_NO_MAIN
#include NNC_TRAINER

enum { U, N, ONE, ZERO }; /* uniform, truncated normal, constants */
static const struct {
    const char *name;
    int dist, avg;
    double scale;
} want[] = {
    {"l01_conv2d.kernel", U, 0, 2},   {"l01_conv2d.bias", ONE, 0, 0},
    {"l02_conv2d.kernel", N, 0, 1},   {"l02_conv2d.bias", ZERO, 0, 0},
    {"l04_dense.kernel", N, 1, 1},    {"l04_dense.bias", N, 0, 2},
    {"l05_dense.kernel", N, 0, 2},    {"l05_dense.bias", ZERO, 0, 0},
    {"l06_dense.kernel", U, 0, 1},    {"l06_dense.bias", U, 0, 1},
    {"l07_dense.kernel", U, 1, 1},    {"l07_dense.bias", N, 1, 1},
    {"l08_dense.kernel", ONE, 0, 0},  {"l08_dense.bias", ZERO, 0, 0},
    {"l09_dense.kernel", ZERO, 0, 0}, {"l09_dense.bias", ZERO, 0, 0},
};

static void fans(const nncrt_tensor *t, double *fan_in, double *fan_out)
{
    if (t->ndim == 1) {
        *fan_in = *fan_out = t->shape[0];
        return;
    }
    double rf = 1;
    for (int i = 0; i < t->ndim - 2; i++)
        rf *= t->shape[i];
    *fan_in = rf * t->shape[t->ndim - 2], *fan_out = rf * t->shape[t->ndim - 1];
}

static void check_tensor(int k, const nncrt_tensor *t)
{
    const nnc_real *w = nnc_params + t->offset;
    size_t n = t->count;
    if (want[k].dist == ONE || want[k].dist == ZERO) {
        for (size_t i = 0; i < n; i++)
            assert_true(w[i] == (want[k].dist == ONE ? 1 : 0));
        print_message("%-20s %zu values, all %d\n", t->name, n, want[k].dist == ONE);
        return;
    }
    double fi, fo;
    fans(t, &fi, &fo);
    double fan = want[k].avg ? (fi + fo) / 2 : fi;
    double var = want[k].scale / (fan > 1 ? fan : 1);
    double bound = want[k].dist == U ? sqrt(3 * var) : 2 * sqrt(var) / 0.87962566103423978;
    double sum = 0, sq = 0, mx = 0;
    size_t inner = 0; /* |w| < bound / 2: uniform 1/2, truncated normal 0.7153 */
    for (size_t i = 0; i < n; i++) {
        double v = w[i];
        sum += v, sq += v * v;
        mx = fabs(v) > mx ? fabs(v) : mx;
        inner += fabs(v) < bound / 2;
    }
    double mean = sum / n, got = sq / n - mean * mean, frac = (double)inner / n;
    double want_frac = want[k].dist == U ? 0.5 : 0.71532;
    print_message("%-20s %6zu values: mean %+.2e, variance %.4e (Keras %.4e), max |w| %.4g "
                  "(bound %.4g), inner half %.3f (%.3f)\n", t->name, n, mean, got, var, mx,
                  bound, frac, want_frac);
    /* 5 standard errors: of the mean, of the variance (sqrt(2/n) relative) and
     * of a proportion */
    assert_true(fabs(mean) < 5 * sqrt(var / n));
    assert_true(fabs(got / var - 1) < 5 * sqrt(2.0 / n));
    assert_true(mx <= bound * (1 + 1e-6));
    assert_true(mx >= bound * (n >= 1000 ? 0.99 : 0.9));
    assert_true(fabs(frac - want_frac) < 5 * sqrt(0.25 / n));
}

static void test_initializer_statistics(void **state)
{
    (void)state;
    nnc_init_params(1337);
    int seen = 0;
    for (int i = 0; i < NNC_TENSORS; i++)
        for (int k = 0; k < (int)(sizeof want / sizeof *want); k++)
            if (!strcmp(nnc_tensors[i].name, want[k].name)) {
                check_tensor(k, &nnc_tensors[i]);
                seen++;
            }
    assert_int_equal(seen, NNC_TENSORS);
    assert_int_equal(seen, (int)(sizeof want / sizeof *want));
}

/* The same seed gives the same tensors; another seed other random ones. */
static nnc_real first[NNC_PARAM_BLOCK];
static void test_seeded(void **state)
{
    (void)state;
    nnc_init_params(7);
    memcpy(first, nnc_params, sizeof first);
    nnc_init_params(7);
    assert_memory_equal(first, nnc_params, sizeof first);
    nnc_init_params(8);
    assert_true(first[0] != nnc_params[0] && first[6464] != nnc_params[6464]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initializer_statistics),
        cmocka_unit_test(test_seeded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
