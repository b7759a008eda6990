/* interrupt.h — SIGINT and SIGTERM during fit: the first one sets a flag
 * that the training loop reads after each batch (it then checkpoints and
 * exits 128 + the signal); a second one kills as the default action does. */
#ifndef NNCRT_INTERRUPT_H
#define NNCRT_INTERRUPT_H

void nncrt_interrupt_install(void);
void nncrt_interrupt_remove(void);
/* The signal received since install, or 0. */
int nncrt_interrupted(void);
/* As if signal sig had arrived (another rank received it). */
void nncrt_interrupt_set(int sig);
/* Tests: NNCRT_RAISE_AT="E:B:SIG" raises signal SIG (2 or 15) after batch B
   of epoch E (both 1-based), so an interrupt lands at a known batch. */
void nncrt_interrupt_test_hook(int epoch, int batch);

#endif
