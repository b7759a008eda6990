/* jpeg_load.c — JPEG decoding through libjpeg(-turbo) to 8-bit gray or RGB.
 *
 * libjpeg reports fatal errors through error_exit, which must not return:
 * it longjmps back here, and the pixels allocated before are reached through
 * a volatile local. The header is read first and absurd sizes are refused
 * before jpeg_start_decompress allocates anything for the image.
 *
 * Hostile files: a truncated file is an error (libjpeg would pad it with
 * gray). A progressive file's scans each pass over every block of their
 * components, and a scan of end-of-band runs costs a few bytes, so a small
 * file could demand hours ("Two Issues with the JPEG Standard",
 * libjpeg-turbo): scans are limited to JPEG_MAX_SCANS, as libjpeg-turbo's
 * own fuzzers do, and their blocks together to JPEG_MAX_SCAN_BLOCKS. Scans
 * out of order (an AC scan before its DC scan) are refused, so coefficient
 * memory is only touched behind data. */
#include <setjmp.h>
#include <stdio.h>   /* before jpeglib.h, which uses FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>   /* JWRN_* message codes */

#include "image.h"
#include "util.h"

/* libjpeg-turbo's fuzzers limit scans to 500; real encoders write 6-20. */
#define JPEG_MAX_SCANS 500
/* The blocks all scans visit together: a 128-Mpixel 4:4:4 colour image
   with libjpeg's standard 10-scan script visits 28 M; refinement scans
   decode at about 65 ns a block here, so 2^25 is about 2 s. */
#define JPEG_MAX_SCAN_BLOCKS ((uint64_t)1 << 25)

typedef struct jpeg_failure {
    struct jpeg_error_mgr mgr;     /* first: libjpeg sees only this part */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_failure;

static void on_jpeg_error(j_common_ptr cinfo)
{
    jpeg_failure *f = (jpeg_failure *)cinfo->err;
    f->mgr.format_message(cinfo, f->msg);
    longjmp(f->jump, 1);
}

/* The scan budget, checked by libjpeg's progress hook before each piece of
   input it consumes: a new scan's blocks are counted before it is decoded. */
typedef struct jpeg_budget {
    struct jpeg_progress_mgr mgr;  /* first: libjpeg sees only this part */
    int scan;                      /* the last scan counted */
    uint64_t blocks;
} jpeg_budget;

static void on_jpeg_progress(j_common_ptr common)
{
    j_decompress_ptr ci = (j_decompress_ptr)common;
    jpeg_budget *b = (jpeg_budget *)common->progress;
    if (!common->is_decompressor || ci->input_scan_number == b->scan)
        return;
    b->scan = ci->input_scan_number;
    for (int i = 0; i < ci->comps_in_scan; i++)
        b->blocks += (uint64_t)ci->cur_comp_info[i]->width_in_blocks *
                     ci->cur_comp_info[i]->height_in_blocks;
    jpeg_failure *f = (jpeg_failure *)common->err;
    if (b->scan > JPEG_MAX_SCANS)
        snprintf(f->msg, sizeof f->msg, "refused: more than %d progressive scans", JPEG_MAX_SCANS);
    else if (b->blocks > JPEG_MAX_SCAN_BLOCKS)
        snprintf(f->msg, sizeof f->msg, "refused: its %d scans visit more than %llu Mblocks",
                 b->scan, (unsigned long long)(JPEG_MAX_SCAN_BLOCKS >> 20));
    else
        return;
    longjmp(f->jump, 1);
}

/* Warnings that mean the pixels are not the file's: a truncated file (libjpeg
   pads it with gray) or a broken entropy-coded segment. PIL and TF refuse
   truncated files too. Others, such as extraneous bytes before a marker, are
   common in camera files and harmless. */
static void on_jpeg_message(j_common_ptr cinfo, int level)
{
    int code = cinfo->err->msg_code;
    if (level < 0 && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER ||
                      code == JWRN_HUFF_BAD_CODE || code == JWRN_BOGUS_PROGRESSION))
        on_jpeg_error(cinfo);
}

/* TF's decode_jpeg conversion of (Adobe-inverted or plain) CMYK to RGB. */
static void cmyk_to_rgb(uint8_t *px, size_t npix, bool adobe)
{
    for (size_t i = 0; i < npix; i++) {
        const uint8_t *p = px + 4 * i;
        int c = p[0], m = p[1], y = p[2], k = p[3];
        uint8_t *q = px + 3 * i;   /* q trails p: safe in place */
        if (adobe)
            q[0] = (uint8_t)(k * c / 255), q[1] = (uint8_t)(k * m / 255), q[2] = (uint8_t)(k * y / 255);
        else
            q[0] = (uint8_t)((255 - k) * (255 - c) / 255), q[1] = (uint8_t)((255 - k) * (255 - m) / 255),
            q[2] = (uint8_t)((255 - k) * (255 - y) / 255);
    }
}

static J_COLOR_SPACE output_space(J_COLOR_SPACE in)
{
    if (in == JCS_GRAYSCALE)
        return JCS_GRAYSCALE;
    if (in == JCS_CMYK || in == JCS_YCCK)
        return JCS_CMYK;
    return JCS_RGB;
}

static void read_rows(struct jpeg_decompress_struct *ci, uint8_t *px)
{
    size_t stride = (size_t)ci->output_width * (size_t)ci->output_components;
    while (ci->output_scanline < ci->output_height) {
        JSAMPROW row = px + (size_t)ci->output_scanline * stride;
        jpeg_read_scanlines(ci, &row, 1);
    }
}

int nncrt_jpeg_decode_mem(const uint8_t *data, size_t size, nncrt_image *out, char *err,
                          size_t errlen)
{
    struct jpeg_decompress_struct ci;
    jpeg_failure fail;
    jpeg_budget budget = { .mgr.progress_monitor = on_jpeg_progress };
    uint8_t *volatile px = NULL;
    memset(out, 0, sizeof *out);
    ci.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = on_jpeg_error;
    fail.mgr.emit_message = on_jpeg_message;
    if (setjmp(fail.jump)) {
        jpeg_destroy_decompress(&ci);
        free(px);
        snprintf(err, errlen, "invalid JPEG: %s", fail.msg);
        return -1;
    }
    jpeg_create_decompress(&ci);
    ci.progress = &budget.mgr;
    jpeg_mem_src(&ci, data, (unsigned long)size);
    jpeg_read_header(&ci, TRUE);
    if (nncrt_image_check_size(ci.image_width, ci.image_height, err, errlen) != 0) {
        jpeg_destroy_decompress(&ci);
        return -1;
    }
    ci.out_color_space = output_space(ci.jpeg_color_space);
    jpeg_start_decompress(&ci);
    size_t npix = (size_t)ci.output_width * (size_t)ci.output_height;   /* checked above */
    px = nncrt_xmalloc_array(npix, (size_t)ci.output_components);
    read_rows(&ci, px);
    jpeg_finish_decompress(&ci);
    out->w = (int)ci.output_width, out->h = (int)ci.output_height;
    out->c = ci.output_components == 4 ? 3 : ci.output_components;
    if (ci.output_components == 4)
        cmyk_to_rgb(px, npix, ci.saw_Adobe_marker);
    jpeg_destroy_decompress(&ci);
    out->px = px;
    return 0;
}
