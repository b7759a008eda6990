/* schedule.c — learning-rate schedules, as keras.optimizers.schedules
 * (keras-team/keras src/optimizers/schedules/learning_rate_schedule.py,
 * Keras 3.15), each __call__(step) transcribed in double. Keras's optimizer
 * calls the schedule with its iteration count before the step
 * (BaseOptimizer._get_current_learning_rate: schedule(self._iterations)), so
 * the first update uses schedule(0). A pure function of the step: a resumed
 * run gets the same rates as a straight one. */
#include <math.h>

#include "nncrt.h"

static double exponential_decay(const nncrt_lr_schedule *s, double step)
{
    double p = step / s->decay_steps;
    if (s->staircase)
        p = floor(p);
    return s->initial_learning_rate * pow(s->decay_rate, p);
}

/* values[0] for step <= boundaries[0], values[i] for boundaries[i-1] < step
   <= boundaries[i], the last value after the last boundary. */
static double piecewise_constant_decay(const nncrt_lr_schedule *s, int64_t step)
{
    int i = 0;
    while (i < s->num_boundaries && step > s->boundaries[i])
        i++;
    return s->values[i];
}

static double inverse_time_decay(const nncrt_lr_schedule *s, double step)
{
    double p = step / s->decay_steps;
    if (s->staircase)
        p = floor(p);
    return s->initial_learning_rate / (1.0 + s->decay_rate * p);
}

static double polynomial_decay(const nncrt_lr_schedule *s, double step)
{
    double decay_steps = s->decay_steps;
    if (s->cycle)   /* the first multiple of decay_steps above step; 1 at step 0 */
        decay_steps *= step == 0 ? 1.0 : ceil(step / s->decay_steps);
    else
        step = fmin(step, decay_steps);
    double p = step / decay_steps;
    return (s->initial_learning_rate - s->end_learning_rate) * pow(1 - p, s->power) +
           s->end_learning_rate;
}

static double cosine_decayed(const nncrt_lr_schedule *s, double step, double from)
{
    double completed = step / s->decay_steps;
    double cosine = 0.5 * (1.0 + cos(M_PI * completed));
    return from * ((1 - s->alpha) * cosine + s->alpha);
}

static double cosine_decay(const nncrt_lr_schedule *s, double step)
{
    if (!s->has_warmup_target)
        return cosine_decayed(s, fmin(step, s->decay_steps), s->initial_learning_rate);
    step = fmin(step, s->decay_steps + s->warmup_steps);
    if (step < s->warmup_steps)   /* linear from initial_learning_rate to warmup_target */
        return (s->warmup_target - s->initial_learning_rate) * (step / s->warmup_steps) +
               s->initial_learning_rate;
    return cosine_decayed(s, step - s->warmup_steps, s->warmup_target);
}

static double cosine_decay_restarts(const nncrt_lr_schedule *s, double step)
{
    double completed = step / s->decay_steps, i_restart;
    if (s->t_mul == 1.0) {
        i_restart = floor(completed);
        completed -= i_restart;
    } else {   /* periods of first_decay_steps * t_mul^i */
        i_restart = floor(log(1.0 - completed * (1.0 - s->t_mul)) / log(s->t_mul));
        double sum_r = (1.0 - pow(s->t_mul, i_restart)) / (1.0 - s->t_mul);
        completed = (completed - sum_r) / pow(s->t_mul, i_restart);
    }
    double cosine = 0.5 * pow(s->m_mul, i_restart) * (1.0 + cos(M_PI * completed));
    return s->initial_learning_rate * ((1 - s->alpha) * cosine + s->alpha);
}

double nncrt_lr_schedule_eval(const nncrt_lr_schedule *s, int64_t step)
{
    double t = (double)step;
    switch (s->kind) {
    case NNCRT_LR_EXPONENTIAL_DECAY: return exponential_decay(s, t);
    case NNCRT_LR_PIECEWISE_CONSTANT_DECAY: return piecewise_constant_decay(s, step);
    case NNCRT_LR_INVERSE_TIME_DECAY: return inverse_time_decay(s, t);
    case NNCRT_LR_POLYNOMIAL_DECAY: return polynomial_decay(s, t);
    case NNCRT_LR_COSINE_DECAY: return cosine_decay(s, t);
    case NNCRT_LR_COSINE_DECAY_RESTARTS: return cosine_decay_restarts(s, t);
    default: return s->initial_learning_rate;
    }
}

double nncrt_learning_rate(const nncrt_model *m, double constant, int64_t iterations)
{
    return m->lr_schedule ? nncrt_lr_schedule_eval(m->lr_schedule, iterations) : constant;
}
