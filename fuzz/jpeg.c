/* fuzz/jpeg.c — libFuzzer target: bytes → the JPEG decoder every JPEG file
 * goes through (nncrt_jpeg_decode_mem: libjpeg with nnc's limits on size,
 * scans and truncation), then the crop/pad and resize to a small input shape
 * chosen by the last byte. Every input must decode or give a reason, within
 * bounded time and memory, with no sanitizer report. */
#include <omp.h>
#include <stdlib.h>

#include "fuzz_image.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    omp_set_num_threads(1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nncrt_image img;
    char err[240] = "";
    if (nncrt_jpeg_decode_mem(data, size, &img, err, sizeof err) != 0) {
        fuzz_check_reason(err);
        return 0;
    }
    fuzz_check_and_fit(&img, size ? data[size - 1] : 0);
    free(img.px);
    return 0;
}
