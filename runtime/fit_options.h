/* fit_options.h — fit's per-run options that Keras's model.fit() takes. */
#ifndef NNCRT_FIT_OPTIONS_H
#define NNCRT_FIT_OPTIONS_H

#include <stdbool.h>

#include "commands.h"

/* The batches to run of an epoch of `steps`: steps_per_epoch caps it (the
   first batches of the epoch's order). */
int nncrt_fit_steps(const nncrt_model *m, const nncrt_opts *o, int steps);
/* Whether validation runs after epoch `epoch` (0-based): validation_freq. */
bool nncrt_fit_validates(const nncrt_model *m, const nncrt_opts *o, int epoch);
/* verbose: 0 silent, 1 progress bar, 2 one line per epoch. */
void nncrt_fit_apply_verbose(const nncrt_model *m, const nncrt_opts *o);

#endif
