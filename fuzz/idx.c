/* fuzz/idx.c — libFuzzer target: bytes → the IDX loader (nncrt_idx_load_mem:
 * the same source, inflate, header checks and fit as files get). The first
 * two bytes say how many of the rest are the labels file; the remainder is
 * the images file, each gzipped or not. Every input must load or give a
 * reason, within bounded time and memory, with no sanitizer report. */
#include <omp.h>
#include <stdlib.h>

#include "dataset.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    omp_set_num_threads(1);
    nncrt_quiet = true;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t nlabels = ((size_t)data[0] | (size_t)data[1] << 8) % (size - 1);
    const uint8_t *labels = data + 2, *images = labels + nlabels;
    size_t nimages = size - 2 - nlabels;
    static const char *const names[2] = { "images", "labels" };
    nncrt_data_opts o = { .h = 4, .w = 5, .c = 3, .num_classes = 10 };
    nncrt_dataset ds;
    if (nncrt_idx_load_mem(&ds, images, nimages, labels, nlabels, names, &o) != 0) {
        if (!nncrt_last_error[0])
            abort();
        nncrt_last_error[0] = 0;
        return 0;
    }
    if (ds.n == 0 || !ds.pixels || ds.num_classes != 10)
        abort();
    for (size_t i = 0; i < ds.n; i++)
        if (ds.labels[i] < 0 || ds.labels[i] >= 10)
            abort();
    nncrt_dataset_free(&ds);
    return 0;
}
