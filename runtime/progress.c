/* progress.c — the progress bar and per-epoch lines. */
#include "progress.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "nncrt.h"
#include "fit_logs.h"
#include "util.h"

#define BAR_WIDTH 30
#define REDRAW_SECONDS 0.1   /* redrawing every step would slow small models down */

void nncrt_format_value(char *buf, size_t len, double v)
{
    snprintf(buf, len, fabs(v) > 1e-3 ? "%.4f" : "%.4e", v);
}

static int verbose_mode = NNCRT_VERBOSE_AUTO;

void nncrt_progress_verbose(int verbose)
{
    verbose_mode = verbose;
}

void nncrt_progress_epoch(nncrt_progress *p, FILE *out, int epoch, int epochs, int steps)
{
    p->out = verbose_mode == NNCRT_VERBOSE_SILENT ? NULL : out;
    p->tty = p->out && verbose_mode != NNCRT_VERBOSE_LINE && isatty(fileno(out));
    p->steps = steps;
    p->t0 = nncrt_now();
    p->last_draw = 0;
    p->lr = NAN;
    if (!p->out)
        return;
    fprintf(out, "Epoch %d/%d\n", epoch, epochs);
    fflush(out);
}

static void print_metric(FILE *out, const char *name, double v)
{
    char num[32];
    nncrt_format_value(num, sizeof num, v);
    fprintf(out, " - %s: %s", name, num);
}

static void print_bar(FILE *out, int step, int steps)
{
    int done = steps ? (int)((long)BAR_WIDTH * step / steps) : BAR_WIDTH;
    fputc('[', out);
    for (int i = 0; i < BAR_WIDTH; i++)
        fputc(i < done ? '=' : i == done && step < steps ? '>' : '.', out);
    fputc(']', out);
}

static void print_duration(FILE *out, double s)
{
    long t = lround(s);
    if (t >= 3600)
        fprintf(out, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60)
        fprintf(out, "%ld:%02ld", t / 60, t % 60);
    else
        fprintf(out, "%lds", t);
}

void nncrt_progress_step(nncrt_progress *p, int step, double loss, double acc)
{
    double now = nncrt_now();
    if (!p->out || !p->tty || (now - p->last_draw < REDRAW_SECONDS && step < p->steps))
        return;
    p->last_draw = now;
    fprintf(p->out, "\r%d/%d ", step, p->steps);
    print_bar(p->out, step, p->steps);
    fputs(" - ETA: ", p->out);
    print_duration(p->out, (now - p->t0) / step * (p->steps - step));
    print_metric(p->out, "loss", loss);
    print_metric(p->out, "accuracy", acc);
    fputs("\x1b[K", p->out);   /* clear what a longer previous line left */
    fflush(p->out);
}

static void print_step_time(FILE *out, double per_step)
{
    if (per_step >= 1)
        fprintf(out, "%.0fs/step", per_step);
    else if (per_step >= 1e-3)
        fprintf(out, "%.0fms/step", per_step * 1e3);
    else
        fprintf(out, "%.0fus/step", per_step * 1e6);
}

static void done_start(nncrt_progress *p)
{
    double elapsed = nncrt_now() - p->t0;
    if (!p->out)
        return;
    if (p->tty) {
        fprintf(p->out, "\r%d/%d ", p->steps, p->steps);
        print_bar(p->out, p->steps, p->steps);
    } else {
        fprintf(p->out, "%d/%d", p->steps, p->steps);
    }
    fputs(" - ", p->out);
    print_duration(p->out, elapsed);
    fputs(" - ", p->out);
    print_step_time(p->out, p->steps ? elapsed / p->steps : 0);
}

void nncrt_progress_done(nncrt_progress *p, double loss, double acc, const double *val)
{
    if (!p->out) /* verbose 0 */
        return;
    done_start(p);
    print_metric(p->out, "loss", loss);
    print_metric(p->out, "accuracy", acc);
    if (val) {
        print_metric(p->out, "val_loss", val[0]);
        print_metric(p->out, "val_accuracy", val[1]);
    }
    if (!isnan(p->lr))
        print_metric(p->out, "learning_rate", p->lr);
    fputs(p->tty ? "\x1b[K\n" : "\n", p->out);
    fflush(p->out);
}

void nncrt_progress_done_logs(nncrt_progress *p, const nncrt_logs *logs)
{
    if (!p->out) /* verbose 0 */
        return;
    done_start(p);
    nncrt_logs_print(logs, 0, p->out);
    fputs(p->tty ? "\x1b[K\n" : "\n", p->out);
    fflush(p->out);
}
