/* test_augment.c — the generated augmentation code against PIL, torchvision
 * and Keras's formulas in numpy (tests/fixtures/augment_ref.safetensors, made
 * by tests/fixtures/make_augment_reference.py), with the draws forced to the
 * fixture's; then the properties of the draws: deterministic per (seed,
 * epoch, id) whatever the batch or thread count, in range, and identity at
 * inference. Built once per spec:
 *   cc -DNNC_NO_RUNTIME -DNNC_TRAINER='"build/gen/aug_sq.c"' -DSET='"sq"'
 *      -DIMG_H=12 -DIMG_W=12 [-DCROP_SPEC] ...
 * Tolerances: every op computes in double and rounds once to float, and the
 * fixture is float too, so one op differs from its reference by at most two
 * half-ulps of float at 255 (2 * 7.6e-6): TOL_OP = 3e-5. The whole list rounds
 * after each of 12 ops, none of which amplifies an error by more than 1.2
 * (contrast): TOL_PIPE = 2e-4. Flips, quarter turns, integer shifts and crops
 * must be exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include NNC_TRAINER
#include "fixture.h"

#define FIXTURE "tests/fixtures/augment_ref.safetensors"
#define TOL_OP 3e-5
#define TOL_PIPE 2e-4
#define NB 7 /* samples in the determinism batches */

static fixture fx;
static float input[NNC_AUG_IN_SIZE];

static const void *tensor(const char *set, const char *name, size_t want_bytes)
{
    char key[96];
    size_t bytes;
    snprintf(key, sizeof key, "%s.%s", set, name);
    const void *t = fixture_tensor(&fx, key, &bytes);
    if (!t || bytes != want_bytes)
        fail_msg("fixture %s: %s (%zu bytes, expected %zu)", key, t ? "wrong size" : "missing",
                 t ? bytes : 0, want_bytes);
    return t;
}

/* Compares got with the fixture SET.NAME; prints the first few differences. */
static void expect_image(const char *name, const nnc_real *got, size_t n, double tol)
{
    const float *want = tensor(SET, name, n * sizeof(float));
    int bad = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        worst = d > worst ? d : worst;
        if (!(d <= tol) && bad++ < 4)
            print_error("%s: value %zu: got %.7g, want %.7g\n", name, i, got[i], want[i]);
    }
    if (bad)
        fail_msg("%s: %d of %zu values differ by more than %g (worst %g)", name, bad, n, tol,
                 worst);
}

typedef void (*op_fn)(nnc_real *y, const nnc_real *x, const double *p);
typedef struct ref_case {
    const char *name;
    op_fn fn;
    double tol;
} ref_case;

static int run_cases(const ref_case *cases, int n, size_t out_size)
{
    static nnc_real out[NNC_AUG_IN_SIZE];
    int ran = 0;
    for (int i = 0; i < n; i++) {
        char pname[96];
        snprintf(pname, sizeof pname, "%s.p", cases[i].name);
        size_t pbytes;
        char key[128];
        snprintf(key, sizeof key, "%s.%s", SET, pname);
        const double *p = fixture_tensor(&fx, key, &pbytes);
        if (!p)
            continue; /* a case the fixture has only for square images */
        double params[NNC_AUG_PARAMS > 2 ? NNC_AUG_PARAMS : 2] = {0};
        memcpy(params, p, pbytes < sizeof params ? pbytes : sizeof params);
        memset(out, 0, sizeof out);
        cases[i].fn(out, input, params);
        expect_image(cases[i].name, out, out_size, cases[i].tol);
        ran++;
    }
    return ran;
}

#ifndef CROP_SPEC
/* ---- aug_sq.yaml / aug_rect.yaml: every op through its own kernel ---- */
#define SZ ((size_t)NNC_IN_SIZE)

static void flip(nnc_real *y, const nnc_real *x, const double *p)
{
    memcpy(y, x, SZ * sizeof *y);
    nnc_aug01_flip(y, p[0] != 0, p[1] != 0);
}

#define ROT(k)                                                                 \
    static void rot##k(nnc_real *y, const nnc_real *x, const double *p)        \
    {                                                                          \
        double t[6];                                                           \
        nnc_aug_rotation_matrix(t, p[0], IMG_H, IMG_W);                        \
        nnc_aug##k##_affine(y, x, t);                                          \
    }
ROT(02) ROT(03) ROT(04) ROT(05) ROT(06) ROT(12)

#define ZOOM(k)                                                                \
    static void zoom##k(nnc_real *y, const nnc_real *x, const double *p)       \
    {                                                                          \
        double t[6];                                                           \
        nnc_aug_zoom_matrix(t, p[0], p[1], IMG_H, IMG_W);                      \
        nnc_aug##k##_affine(y, x, t);                                          \
    }
ZOOM(07) ZOOM(08)

static void shift09(nnc_real *y, const nnc_real *x, const double *p)
{
    double t[6];
    nnc_aug_translation_matrix(t, p[0], p[1]);
    nnc_aug09_affine(y, x, t);
}

static void contrast10(nnc_real *y, const nnc_real *x, const double *p)
{
    memcpy(y, x, SZ * sizeof *y);
    nnc_aug10_contrast(y, p[0]);
}

static void bright11(nnc_real *y, const nnc_real *x, const double *p)
{
    memcpy(y, x, SZ * sizeof *y);
    nnc_aug11_brightness(y, p[0]);
}

static void pipeline(nnc_real *y, const nnc_real *x, const double *p)
{
    static nnc_real a[NNC_AUG_IN_SIZE], b[NNC_AUG_IN_SIZE];
    memcpy(a, x, SZ * sizeof *a);
    memcpy(y, nnc_aug_apply(a, b, p), SZ * sizeof *y);
}

static const ref_case cases[] = {
    {"flip_h", flip, 0}, {"flip_v", flip, 0}, {"flip_hv", flip, 0}, {"flip_none", flip, 0},
    {"rot90_op2", rot02, 0}, {"rot90_op3", rot03, 0}, {"rot-90_op2", rot02, 0},
    {"rot-90_op3", rot03, 0}, {"rot180_op2", rot02, 0}, {"rot180_op3", rot03, 0},
    {"rot30_op2", rot02, TOL_OP}, {"rot30_op3", rot03, TOL_OP}, {"rot30_op4", rot04, TOL_OP},
    {"rot30_op5", rot05, TOL_OP}, {"rot30_op6", rot06, TOL_OP}, {"rot30_op12", rot12, TOL_OP},
    {"rotm17.25_op2", rot02, TOL_OP}, {"rotm17.25_op3", rot03, TOL_OP},
    {"rotm17.25_op4", rot04, TOL_OP}, {"rotm17.25_op5", rot05, TOL_OP},
    {"rotm17.25_op6", rot06, TOL_OP}, {"rotm17.25_op12", rot12, TOL_OP},
    {"zoom0.8_op7", zoom07, TOL_OP}, {"zoom1.25_op7", zoom07, TOL_OP},
    {"zoom_aniso_op8", zoom08, TOL_OP}, {"shift2_-3_op9", shift09, 0},
    {"shift1.5_0.25_op9", shift09, TOL_OP}, {"contrast1.4", contrast10, TOL_OP},
    {"contrast0.6", contrast10, TOL_OP}, {"bright40", bright11, TOL_OP},
    {"bright-300", bright11, 0}, {"pipeline", pipeline, TOL_PIPE},
};
/* quarter turns need a square image */
#define EXPECTED_CASES (IMG_H == IMG_W ? 32 : 28)

static void test_ops_match_references(void **state)
{
    (void)state;
    int ran = run_cases(cases, (int)(sizeof cases / sizeof *cases), SZ);
    assert_int_equal(ran, EXPECTED_CASES);
}

/* ---- draws ---- */
static nnc_real batch[NB * NNC_AUG_IN_SIZE], again[NB * NNC_AUG_IN_SIZE];

static void fill_batch(nnc_real *x, int n)
{
    for (int i = 0; i < n; i++) /* the same image for every id: only draws differ */
        memcpy(x + (size_t)i * SZ, input, SZ * sizeof *x);
}

/* One sample's augmentation depends on (seed, epoch, id) only: not on the
 * batch it is in, its position, or the number of threads. */
static void test_deterministic_per_sample(void **state)
{
    (void)state;
    uint64_t ids[NB] = {0, 1, 2, 3, 4, 5, 6}, perm[NB] = {5, 2, 6, 0, 3, 1, 4};
    omp_set_num_threads(1);
    fill_batch(batch, NB);
    nnc_augment(batch, NB, 42, 3, ids, 1);
    omp_set_num_threads(2);
    fill_batch(again, NB);
    nnc_augment(again, 3, 42, 3, perm, 1);              /* a batch of 3 ... */
    nnc_augment(again + 3 * SZ, NB - 3, 42, 3, perm + 3, 1); /* ... and one of 4 */
    for (int i = 0; i < NB; i++)
        assert_memory_equal(again + (size_t)i * SZ, batch + perm[i] * SZ, SZ * sizeof(nnc_real));
    /* and the samples differ from each other */
    for (int i = 1; i < NB; i++)
        assert_memory_not_equal(batch, batch + (size_t)i * SZ, SZ * sizeof(nnc_real));
}

/* Another epoch or another seed: new draws for every sample. */
static void test_epoch_and_seed_change_draws(void **state)
{
    (void)state;
    uint64_t ids[NB] = {0, 1, 2, 3, 4, 5, 6};
    fill_batch(batch, NB);
    nnc_augment(batch, NB, 42, 3, ids, 1);
    for (int variant = 0; variant < 2; variant++) {
        fill_batch(again, NB);
        nnc_augment(again, NB, variant ? 43 : 42, variant ? 3 : 4, ids, 1);
        for (int i = 0; i < NB; i++)
            assert_memory_not_equal(again + (size_t)i * SZ, batch + (size_t)i * SZ,
                                    SZ * sizeof(nnc_real));
    }
}

/* Evaluation and predict see the images unchanged (Keras: training=False). */
static void test_inference_is_identity(void **state)
{
    (void)state;
    fill_batch(batch, NB);
    nnc_augment(batch, NB, 42, 3, NULL, 0);
    for (int i = 0; i < NB; i++)
        assert_memory_equal(batch + (size_t)i * SZ, input, SZ * sizeof(nnc_real));
}

typedef struct stat_acc {
    double min, max, sum;
} stat_acc;

static void acc_add(stat_acc *s, double v)
{
    s->min = v < s->min ? v : s->min;
    s->max = v > s->max ? v : s->max;
    s->sum += v;
}

/* The draws cover their Keras ranges uniformly: min and max near the bounds,
 * the mean near the middle (20,000 draws: the mean of a uniform on [a, b]
 * has standard deviation (b - a) / 490, so 1.5% of the range is > 7 sigma). */
static void check_range(const stat_acc *s, int n, double lo, double hi, const char *what)
{
    double span = hi - lo, mean = s->sum / n;
    if (s->min < lo || s->max > hi || s->min > lo + 0.01 * span || s->max < hi - 0.01 * span ||
        fabs(mean - (lo + hi) / 2) > 0.015 * span)
        fail_msg("%s: draws in [%g, %g], mean %g; expected to fill [%g, %g]", what, s->min,
                 s->max, mean, lo, hi);
}

static void test_draws_cover_ranges(void **state)
{
    (void)state;
    enum { N = 20000 };
    /* p index, lower, upper: from aug_*.yaml */
    const struct { int k; double lo, hi; const char *what; } r[] = {
        {0, 0, 1, "flip"}, {2, -90, 90, "rotation #2"}, {6, -90, 90, "rotation #4"},
        {12, 0.7, 1.3, "zoom #7"}, {14, 0.7, 1.3, "zoom #8 height"},
        {15, 0.8, 1.4, "zoom #8 width"}, {16, -0.2 * IMG_H, 0.2 * IMG_H, "translation dy"},
        {17, -0.2 * IMG_W, 0.2 * IMG_W, "translation dx"}, {18, 0.5, 1.5, "contrast"},
        {20, -0.3 * 255, 0.3 * 255, "brightness"}, {22, -36, 36, "rotation #12"},
    };
    enum { NR = sizeof r / sizeof r[0] };
    stat_acc s[NR];
    double corr = 0;
    for (int j = 0; j < NR; j++)
        s[j] = (stat_acc){1e300, -1e300, 0};
    for (uint64_t id = 0; id < N; id++) {
        double p[NNC_AUG_PARAMS];
        nnc_aug_draw(p, 7, 1, id);
        for (int j = 0; j < NR; j++)
            acc_add(&s[j], p[r[j].k]);
        assert_true(p[13] == p[12]); /* zoom #7 has no width_factor: zx = zy */
        corr += (p[2] / 90) * (p[6] / 90);
    }
    for (int j = 0; j < NR; j++)
        check_range(&s[j], N, r[j].lo, r[j].hi, r[j].what);
    /* two ops with the same range draw independently: E[uv] = 0, sd 1/(3 sqrt(N)) */
    assert_true(fabs(corr / N) < 0.02);
}

int main(void)
{
    if (fixture_open(&fx, FIXTURE)) {
        fprintf(stderr, "cannot read %s\n", FIXTURE);
        return 1;
    }
    memcpy(input, tensor(SET, "input", sizeof input), sizeof input);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_match_references),
        cmocka_unit_test(test_deterministic_per_sample),
        cmocka_unit_test(test_epoch_and_seed_change_draws),
        cmocka_unit_test(test_inference_is_identity),
        cmocka_unit_test(test_draws_cover_ranges),
    };
    int rc = cmocka_run_group_tests_name(NNC_TRAINER, tests, NULL, NULL);
    fixture_close(&fx);
    return rc;
}
#else
/* ---- aug_crop.yaml: images of 11x13 in, 8x8 out ---- */
#define OUT ((size_t)NNC_IN_SIZE)

static void crop(nnc_real *y, const nnc_real *x, const double *p)
{
    nnc_aug01_crop(y, x, (int)p[0], (int)p[1]);
}

static void crop_infer(nnc_real *y, const nnc_real *x, const double *p)
{
    (void)p;
    nnc_aug01_crop_infer(y, x);
}

static const ref_case cases[] = {
    {"crop_2_5", crop, 0}, {"crop_3_0", crop, 0}, {"crop_infer", crop_infer, TOL_OP},
};

static void test_crop_matches_references(void **state)
{
    (void)state;
    assert_int_equal(run_cases(cases, 3, OUT), 3);
}

static nnc_real batch[5 * NNC_AUG_IN_SIZE];

static void fill(int n)
{
    for (int i = 0; i < n; i++)
        memcpy(batch + (size_t)i * NNC_AUG_IN_SIZE, input, sizeof input);
}

/* Evaluation: every image shrinks to the inference window, packed at 8x8. */
static void test_inference_takes_centre_window(void **state)
{
    (void)state;
    fill(5);
    nnc_augment(batch, 5, 1, 0, NULL, 0);
    for (int i = 0; i < 5; i++)
        expect_image("crop_infer", batch + (size_t)i * OUT, OUT, TOL_OP);
}

/* Training: each sample is flip?(crop(x, top, left)) with its own draws, and
 * over many ids every offset occurs. */
static void test_training_crops_at_drawn_offsets(void **state)
{
    (void)state;
    uint64_t ids[5];
    int seen[4][6] = {{0}};
    static nnc_real want[OUT];
    for (uint64_t base = 0; base < 400; base += 5) {
        for (int i = 0; i < 5; i++)
            ids[i] = base + (uint64_t)i;
        fill(5);
        nnc_augment(batch, 5, 9, 2, ids, 1);
        for (int i = 0; i < 5; i++) {
            double p[NNC_AUG_PARAMS];
            nnc_aug_draw(p, 9, 2, ids[i]);
            assert_true(p[0] >= 0 && p[0] <= 3 && p[1] >= 0 && p[1] <= 5);
            assert_true(p[0] == floor(p[0]) && p[1] == floor(p[1]));
            seen[(int)p[0]][(int)p[1]]++;
            nnc_aug01_crop(want, input, (int)p[0], (int)p[1]);
            nnc_aug02_flip(want, p[2] != 0, 0);
            assert_memory_equal(batch + (size_t)i * OUT, want, sizeof want);
        }
    }
    for (int t = 0; t < 4; t++)
        for (int l = 0; l < 6; l++)
            if (!seen[t][l])
                fail_msg("crop offset (%d, %d) never drawn in 400 samples", t, l);
}

int main(void)
{
    if (fixture_open(&fx, FIXTURE)) {
        fprintf(stderr, "cannot read %s\n", FIXTURE);
        return 1;
    }
    memcpy(input, tensor(SET, "input", sizeof input), sizeof input);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crop_matches_references),
        cmocka_unit_test(test_inference_takes_centre_window),
        cmocka_unit_test(test_training_crops_at_drawn_offsets),
    };
    int rc = cmocka_run_group_tests_name(NNC_TRAINER, tests, NULL, NULL);
    fixture_close(&fx);
    return rc;
}
#endif
