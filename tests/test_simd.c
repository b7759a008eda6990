/* test_simd.c — a spec compiled for a SIMD target against the same spec with
 * scalar kernels: probabilities, loss and every gradient on random data.
 * tests/test_simd.sh builds one such program per spec, sweeping channel counts,
 * widths and windows around every vector and register-block edge.
 *
 * Tolerance: both sides compute the same sums in float, in different orders
 * and with fused multiply-adds, so they differ by rounding that grows with the
 * length of a sum (at most a few thousand terms here): 1e-4 relative to the
 * largest value of each tensor is 100x the expected error and far below any
 * real indexing mistake, which shows up at the size of the values. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

size_t scalar_param_block(void), simd_param_block(void);
int scalar_batch(void), scalar_in_size(void), scalar_classes(void);
void scalar_init(uint64_t seed, float *params);
double scalar_grads(const float *p, const float *x, const float *t, int n, float *probs,
                    float *grads);
double simd_grads(const float *p, const float *x, const float *t, int n, float *probs,
                  float *grads);

static int compare(const char *what, const float *a, const float *b, size_t n)
{
    float scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fabsf(b[i]) > scale ? fabsf(b[i]) : scale;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= 1e-4f * scale) && bad++ < 3)
            fprintf(stderr, "%s[%zu]: simd %.9g, scalar %.9g (scale %g)\n", what, i, a[i], b[i],
                    scale);
    return bad;
}

int main(int argc, char **argv)
{
    size_t np = scalar_param_block();
    int B = scalar_batch(), n = B > 1 ? B - 1 : 1, in = scalar_in_size(), K = scalar_classes();
    if (np != simd_param_block()) {
        fprintf(stderr, "parameter blocks differ\n");
        return 1;
    }
    float *p = malloc(np * sizeof *p), *ga = malloc(np * sizeof *ga), *gb = malloc(np * sizeof *gb);
    float *x = malloc((size_t)B * in * sizeof *x), *t = calloc((size_t)B * K, sizeof *t);
    float *pa = malloc((size_t)B * K * sizeof *pa), *pb = malloc((size_t)B * K * sizeof *pb);
    uint64_t s = 12345;
    for (int i = 0; i < B * in; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)(s >> 40) / (float)(1 << 24) * 255;
    }
    for (int i = 0; i < B; i++)
        t[i * K + i % K] = 1;
    scalar_init(7, p);
    double la = simd_grads(p, x, t, n, pa, ga), lb = scalar_grads(p, x, t, n, pb, gb);
    int bad = compare("probabilities", pa, pb, (size_t)n * K) + compare("gradients", ga, gb, np);
    /* relative, but absolute below a loss of 1: a near-zero loss is -log(p) with
     * p within float rounding of 1, and float log-sum-exp is good to ~1e-7 of the
     * logits' size whatever the loss */
    if (fabs(la - lb) > 1e-5 * fmax(fabs(lb), 1.0))
        bad++, fprintf(stderr, "loss: simd %.9g, scalar %.9g\n", la, lb);
    printf("%s: %zu parameters, %s\n", argc > 1 ? argv[1] : "spec", np, bad ? "MISMATCH" : "ok");
    free(p), free(ga), free(gb), free(x), free(t), free(pa), free(pb);
    return bad != 0;
}
