/* templates/augment_matrix.c — the affine maps of Keras 3's RandomRotation,
 * RandomZoom and RandomTranslation, as the 2x3 matrix t that sends an OUTPUT
 * pixel (x, y) to the INPUT point it samples:
 *   x' = t[0] x + t[1] y + t[2],   y' = t[3] x + t[4] y + t[5].
 * Pixel (x, y) is column x, row y; centres are at integer coordinates. */
/* nnc:defaults begin */
#include "prelude.c"
/* nnc:defaults end */

/* Rotation by deg degrees about the image centre ((W-1)/2, (H-1)/2); Keras
 * documents positive angles as counter-clockwise. */
NNC_MAYBE_UNUSED static void nnc_aug_rotation_matrix(double t[6], double deg, int h, int w)
{
    double th = deg * (3.14159265358979323846 / 180), c = cos(th), s = sin(th);
    double cx = 0.5 * (w - 1), cy = 0.5 * (h - 1);
    t[0] = c, t[1] = -s, t[2] = cx - cx * c + cy * s;
    t[3] = s, t[4] = c, t[5] = cy - cx * s - cy * c;
}

/* Zoom by zy, zx about the centre; z > 1 samples a larger area (zooms out). */
NNC_MAYBE_UNUSED static void nnc_aug_zoom_matrix(double t[6], double zy, double zx, int h, int w)
{
    t[0] = zx, t[1] = 0, t[2] = 0.5 * (w - 1) * (1 - zx);
    t[3] = 0, t[4] = zy, t[5] = 0.5 * (h - 1) * (1 - zy);
}

/* Shift by dy rows and dx columns (pixels); positive moves the content down
 * and right. */
NNC_MAYBE_UNUSED static void nnc_aug_translation_matrix(double t[6], double dy, double dx)
{
    t[0] = 1, t[1] = 0, t[2] = -dx;
    t[3] = 0, t[4] = 1, t[5] = -dy;
}
