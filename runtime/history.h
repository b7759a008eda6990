/* history.h — the training history CSV written beside the weights
 * (<weights stem>.history.csv: epoch,loss,accuracy,val_loss,val_accuracy;
 * epochs counted from 1 like the "Epoch i/N" lines).
 *
 * The weights file is the record: every save stores the rows of all its
 * epochs in its metadata ("history"), and the CSV is then rewritten
 * atomically from them, after every save and on --resume. A run killed
 * between the two writes leaves a CSV one row short, which the next
 * --resume restores, so the pair can never disagree for good. */
#ifndef NNCRT_HISTORY_H
#define NNCRT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define NNCRT_HISTORY_HEADER "epoch,loss,accuracy,val_loss,val_accuracy\n"

typedef struct nncrt_history {
    char *path;
    char *header;       /* "epoch,loss,...\n": NNCRT_HISTORY_HEADER, or more columns */
    nncrt_buf rows;     /* data rows, without the header */
} nncrt_history;

char *nncrt_history_path(const char *weights_path);
/* csv: a checkpoint's record (header and rows, as nncrt_history_parse
   returns it) to start from. Without one (NULL; weights saved before the
   record existed), the first keep_epochs rows of the CSV at the path are
   kept. Writes nothing. */
void nncrt_history_open(nncrt_history *h, const char *weights_path, const char *csv,
                        int keep_epochs);
/* nncrt_history_open with the columns of header (fit_logs.c's, one line
   beginning "epoch,"; NULL: NNCRT_HISTORY_HEADER). */
void nncrt_history_open_cols(nncrt_history *h, const char *weights_path, const char *header,
                             const char *csv, int keep_epochs);
/* Appends the row of one epoch: the n values after "epoch", each empty
   where has[i] is false. */
void nncrt_history_add_values(nncrt_history *h, int epoch, const double *v, const bool *has, int n);
/* nncrt_history_parse for the columns of header: the validation columns
   (val_*) are all empty or all numbers, the others numbers. */
int nncrt_history_parse_cols(const char *text, const char *header, int epochs, char **csv,
                             char *err, size_t errlen);
/* Appends the row of one epoch; val is {val_loss, val_accuracy} or NULL. */
void nncrt_history_add(nncrt_history *h, int epoch, double loss, double acc, const double *val);
/* The CSV text, header included (caller frees). */
char *nncrt_history_csv(const nncrt_history *h);
/* Rewrites the CSV file atomically. */
int nncrt_history_write(const nncrt_history *h);
/* Checks a record read from a weights file: the header, then exactly one
   row for each of epochs 1..epochs in order, numbers (validation fields both
   empty or both numbers). *csv: the record rewritten as nncrt_history_add
   writes it (caller frees), so nothing from the file reaches the CSV
   verbatim. Returns 0, or -1 with the reason in err. */
int nncrt_history_parse(const char *text, int epochs, char **csv, char *err, size_t errlen);
void nncrt_history_free(nncrt_history *h);

#endif
