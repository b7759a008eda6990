/* progress.h — Keras-like training output. On a terminal: a live
 * "step/total [=====>....] - ETA: 3s - loss: ... - accuracy: ..." line
 * redrawn with \r; otherwise (logs, pipes) one plain line per epoch. */
#ifndef NNCRT_PROGRESS_H
#define NNCRT_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct nncrt_progress {
    FILE *out;
    bool tty;
    int steps;
    double t0, last_draw;
    double lr;          /* the learning rate after the epoch, for its final line; NAN: none */
} nncrt_progress;

/* NNCRT_VERBOSE_*: SILENT prints nothing, LINE one plain line per epoch
   even on a terminal, AUTO and BAR the bar on a terminal. */
void nncrt_progress_verbose(int verbose);
/* Prints "Epoch i/N" and starts the clock for an epoch of `steps` batches. */
void nncrt_progress_epoch(nncrt_progress *p, FILE *out, int epoch, int epochs, int steps);
/* After batch `step` (1-based) with the running loss and accuracy. */
void nncrt_progress_step(nncrt_progress *p, int step, double loss, double acc);
/* The epoch's final line; val is {val_loss, val_accuracy} or NULL. */
void nncrt_progress_done(nncrt_progress *p, double loss, double acc, const double *val);
/* The same line with every value of logs (fit_logs.h). */
struct nncrt_logs;
void nncrt_progress_done_logs(nncrt_progress *p, const struct nncrt_logs *logs);
/* Keras' number format: %.4f, or %.4e for magnitudes <= 1e-3. */
void nncrt_format_value(char *buf, size_t len, double v);

#endif
