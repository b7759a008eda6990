/* fit_options.c — fit's validation_freq, steps_per_epoch and verbose, with
 * Keras 3's model.fit() names and meanings; the runtime applies them
 * (runtime/fit_options.c). Only the ones given reach the generated C, so a
 * spec without them compiles as before. */
#include "nnc.h"

#include <string.h>

int fit_options_parse(model *m, attrs *a)
{
    long freq, steps, verbose = 0;
    const ynode *initial = attrs_get(a, "initial_epoch");
    if (initial) {   /* the epoch count, optimizer step and history must agree */
        diag_error(initial->loc, "fit: initial_epoch is not supported by nnc: fit --resume "
                                 "continues after the epoch the weights file records, with its "
                                 "optimizer state and history");
        return -1;
    }
    int rc = attrs_int(a, "validation_freq", 0, 1, 1000000, &freq) |
             attrs_int(a, "steps_per_epoch", 0, 1, 2147483647L, &steps);
    const ynode *v = attrs_get(a, "verbose");
    if (v && v->kind == NODE_SCALAR && !strcmp(v->text, "auto"))
        verbose = 0;   /* Keras's default: the progress bar */
    else if (v) {
        char ctx[64];
        snprintf(ctx, sizeof ctx, "%s: verbose", a->ctx);
        if (node_int(v, ctx, 0, 2, &verbose)) {
            diag_note(v->loc, "Keras's verbose: 0 silent, 1 progress bar, 2 one line per epoch, "
                              "or auto");
            rc = -1;
        } else {
            verbose += 1;   /* NNCRT_VERBOSE_SILENT.. */
        }
    }
    m->validation_freq = (int)freq, m->steps_per_epoch = (int)steps, m->verbose = (int)verbose;
    return rc;
}

void fit_options_emit_fields(emit_ctx *e)
{
    const model *m = e->m;
    if (m->validation_freq)
        sb_printf(e->out, "    .validation_freq = %d,\n", m->validation_freq);
    if (m->steps_per_epoch)
        sb_printf(e->out, "    .steps_per_epoch = %d,\n", m->steps_per_epoch);
    if (m->verbose)
        sb_printf(e->out, "    .verbose = %d,\n", m->verbose);
}
