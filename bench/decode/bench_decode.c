/* bench_decode.c — time libnncrt loading a folder of class folders the way
 * `trainer fit --data DIR` does: list the files, decode each PNG/JPEG,
 * convert the channels and resize to H x W (OpenMP over files).
 *
 *   bench_decode DIR H W C THREADS RUNS [bilinear|nearest|area]
 *
 * One untimed run warms the page cache (not with WARMUP=0 in the
 * environment), then RUNS timed runs; prints one line:
 * "nnc threads=T images=N seconds=s1,s2,... median=S". */
#include <dirent.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "image.h"
#include "util.h"

static int count_class_dirs(const char *dir)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort), k = 0;
    for (int i = 0; i < n; i++) {
        k += list[i]->d_name[0] != '.' && list[i]->d_type == DT_DIR;
        free(list[i]);
    }
    free(list);
    return k;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int interp_of(const char *s)
{
    return !strcmp(s, "nearest") ? NNCRT_INTERP_NEAREST
           : !strcmp(s, "area") ? NNCRT_INTERP_AREA : NNCRT_INTERP_BILINEAR;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: bench_decode DIR H W C THREADS RUNS [bilinear|nearest|area]\n");
        return 2;
    }
    int runs = atoi(argv[6]);
    nncrt_data_opts o = { .h = atoi(argv[2]), .w = atoi(argv[3]), .c = atoi(argv[4]),
                          .num_classes = count_class_dirs(argv[1]),
                          .interpolation = argc > 7 ? interp_of(argv[7]) : NNCRT_INTERP_BILINEAR };
    omp_set_num_threads(atoi(argv[5]));
    double *t = calloc((size_t)runs + 1, sizeof *t);
    size_t n = 0;
    const char *warm = getenv("WARMUP");
    for (int r = warm && !strcmp(warm, "0") ? 0 : -1; r < runs; r++) {   /* -1: warm-up */
        nncrt_dataset ds;
        double t0 = nncrt_now();
        if (nncrt_dataset_load(&ds, argv[1], &o) != 0)
            return 1;
        if (r >= 0)
            t[r] = nncrt_now() - t0;
        n = ds.n;
        nncrt_dataset_free(&ds);
    }
    printf("nnc threads=%s images=%zu seconds=", argv[5], n);
    for (int r = 0; r < runs; r++)
        printf("%s%.3f", r ? "," : "", t[r]);
    qsort(t, (size_t)runs, sizeof *t, by_value);
    printf(" median=%.4f\n", t[runs / 2]);
    free(t);
    return 0;
}
