/* fit_options.c — fit's validation_freq, steps_per_epoch and verbose (the
 * spec's fit:, overridden by --validation-freq, --steps-per-epoch and
 * --verbose), with Keras 3's meanings; runtime/fit.c asks these. */
#include "fit_options.h"

#include "progress.h"

int nncrt_fit_steps(const nncrt_model *m, const nncrt_opts *o, int steps)
{
    int limit = o->steps_per_epoch ? o->steps_per_epoch : m->steps_per_epoch;
    return limit && limit < steps ? limit : steps;
}

/* Keras's _should_eval: after epoch e (0-based) when (e + 1) % freq == 0. */
bool nncrt_fit_validates(const nncrt_model *m, const nncrt_opts *o, int epoch)
{
    int freq = o->validation_freq ? o->validation_freq : m->validation_freq;
    return freq <= 1 || (epoch + 1) % freq == 0;
}

void nncrt_fit_apply_verbose(const nncrt_model *m, const nncrt_opts *o)
{
    nncrt_progress_verbose(o->verbose ? o->verbose : m->verbose);
}
