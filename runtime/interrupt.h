/* interrupt.h — SIGINT and SIGTERM during fit: the first one sets a flag
 * that the training loop reads after each batch (it then checkpoints and
 * exits 128 + the signal); a second one kills as the default action does. */
#ifndef NNCRT_INTERRUPT_H
#define NNCRT_INTERRUPT_H

void nncrt_interrupt_install(void);
void nncrt_interrupt_remove(void);
/* The signal received since install, or 0. */
int nncrt_interrupted(void);

#endif
