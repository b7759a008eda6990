/* fit_options.c — fit's initial_epoch, validation_freq, steps_per_epoch and verbose, with
 * Keras 3's model.fit() names and meanings; the runtime applies them
 * (runtime/fit_options.c). Only the ones given reach the generated C, so a
 * spec without them compiles as before. */
#include "nnc.h"

#include <string.h>

int fit_options_parse(model *m, attrs *a)
{
    long freq, steps, verbose = 0, initial;
    int rc = attrs_int(a, "initial_epoch", 0, 0, 1000000, &initial) |
             attrs_int(a, "validation_freq", 0, 1, 1000000, &freq) |
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
    m->initial_epoch = (int)initial;
    m->validation_freq = (int)freq, m->steps_per_epoch = (int)steps, m->verbose = (int)verbose;
    return rc;
}

void fit_options_emit_fields(emit_ctx *e)
{
    const model *m = e->m;
    if (m->initial_epoch)
        sb_printf(e->out, "    .initial_epoch = %d,\n", m->initial_epoch);
    if (m->validation_freq)
        sb_printf(e->out, "    .validation_freq = %d,\n", m->validation_freq);
    if (m->steps_per_epoch)
        sb_printf(e->out, "    .steps_per_epoch = %d,\n", m->steps_per_epoch);
    if (m->verbose)
        sb_printf(e->out, "    .verbose = %d,\n", m->verbose);
}
