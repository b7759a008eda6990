/* classify.c — the program a user copies: it includes an exported classifier
 * (nnc --predict ... --prefix cls -o classifier.c), reads PNG files with
 * libpng, and prints each file's class and probability:
 *     ./classify shirt.png boot.png
 * Images are converted to the model's channels (gray, RGB or RGBA, 8 bits)
 * and, when their size differs, resized bilinearly (half-pixel centres, as
 * the trainer's loader and Keras do). */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"

static float input[CLS_H_IN][CLS_W_IN][CLS_C_IN];

/* The PNG as 8-bit pixels with the model's channel count; NULL on error. */
static unsigned char *read_png(const char *path, unsigned *w, unsigned *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        fprintf(stderr, "%s: %s\n", path, img.message);
        return NULL;
    }
    img.format = CLS_C_IN == 1 ? PNG_FORMAT_GRAY : CLS_C_IN == 3 ? PNG_FORMAT_RGB
                                                                 : PNG_FORMAT_RGBA;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
        fprintf(stderr, "%s: %s\n", path, px ? img.message : "out of memory");
        free(px);
        png_image_free(&img);
        return NULL;
    }
    *w = img.width, *h = img.height;
    return px;
}

/* Bilinear, half-pixel centres, edge pixels repeated. */
static void resize_into(const unsigned char *px, unsigned w, unsigned h)
{
    for (int y = 0; y < CLS_H_IN; y++)
        for (int x = 0; x < CLS_W_IN; x++) {
            float fy = (y + 0.5f) * h / CLS_H_IN - 0.5f, fx = (x + 0.5f) * w / CLS_W_IN - 0.5f;
            fy = fy < 0 ? 0 : fy, fx = fx < 0 ? 0 : fx;
            unsigned y0 = (unsigned)fy, x0 = (unsigned)fx;
            unsigned y1 = y0 + 1 < h ? y0 + 1 : y0, x1 = x0 + 1 < w ? x0 + 1 : x0;
            float ay = fy - y0, ax = fx - x0;
            for (int c = 0; c < CLS_C_IN; c++) {
#define PX(yy, xx) ((float)px[((size_t)(yy) * w + (xx)) * CLS_C_IN + c])
                input[y][x][c] = (1 - ay) * ((1 - ax) * PX(y0, x0) + ax * PX(y0, x1)) +
                                 ay * ((1 - ax) * PX(y1, x0) + ax * PX(y1, x1));
#undef PX
            }
        }
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s IMAGE.png...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        unsigned w, h;
        unsigned char *px = read_png(argv[i], &w, &h);
        if (!px) {
            rc = 1;
            continue;
        }
        resize_into(px, w, h);
        free(px);
        float probs[CLS_CLASSES];
        int k = cls_predict((const float(*)[CLS_W_IN][CLS_C_IN])input, probs);
        printf("%s: %s (%.4f)\n", argv[i], cls_class_names[k], probs[k]);
    }
    return rc;
}
