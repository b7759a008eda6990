/* interrupt.c — a flag for SIGINT and SIGTERM, read between batches. */
#include "interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t received;

static void on_signal(int sig)
{
    received = sig;
}

static void set(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    /* restart interrupted reads; a second signal gets the default action */
    sa.sa_flags = SA_RESTART | (handler == SIG_DFL ? 0 : SA_RESETHAND);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void nncrt_interrupt_install(void)
{
    received = 0;
    set(on_signal);
}

void nncrt_interrupt_remove(void)
{
    set(SIG_DFL);
}

int nncrt_interrupted(void)
{
    return received;
}

void nncrt_interrupt_set(int sig)
{
    received = sig;
}

void nncrt_interrupt_test_hook(int epoch, int batch)
{
    const char *at = getenv("NNCRT_RAISE_AT");
    int e, b, sig;
    if (at && sscanf(at, "%d:%d:%d", &e, &b, &sig) == 3 && e == epoch && b == batch &&
        (sig == SIGINT || sig == SIGTERM))
        raise(sig);
}
