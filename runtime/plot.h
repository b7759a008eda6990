/* plot.h — pictures with cairo: the training curves of a history and a
 * confusion-matrix heat map, as PNG files. */
#ifndef NNCRT_PLOT_H
#define NNCRT_PLOT_H

#include "metrics.h"

#define NNCRT_PLOT_HISTORY_W 1500
#define NNCRT_PLOT_HISTORY_H 450

/* csv: a history (header and rows, history.h). Panels: loss, accuracy and
   learning_rate (when the history has it), training and validation.
   Returns 0, or -1 with a message. */
int nncrt_plot_history(const char *csv, const char *png_path);
/* The confusion matrix of mt, rows true and columns predicted, labelled
   with names (user text, drawn as text). Size: nncrt_plot_confusion_size. */
int nncrt_plot_confusion(const nncrt_metrics *mt, char *const *names, const char *png_path);
int nncrt_plot_confusion_size(int k);   /* width = height in pixels */

#endif
