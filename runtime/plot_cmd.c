/* plot_cmd.c — `trainer plot`: the history recorded in the weights file
 * (or a history CSV) as a picture. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "plot.h"
#include "util.h"
#include "weights.h"

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    nncrt_buf b = { 0 };
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (64u << 20))
        nncrt_buf_add(&b, chunk, n);
    fclose(f);
    nncrt_buf_add(&b, "", 1);
    return b.data;
}

int nncrt_cmd_plot(const nncrt_model *m, const nncrt_opts *o)
{
    if (!o->out) {
        nncrt_error("plot: --out FILE.png is required");
        return 2;
    }
    char *csv = NULL;
    if (o->history) {
        if (!(csv = read_text(o->history)))
            return nncrt_error("%s: cannot read the history", o->history), 1;
    } else {
        char *weights = o->weights ? nncrt_xstrdup(o->weights) : nncrt_default_weights_path(m);
        nncrt_weights_meta meta;
        int rc = nncrt_weights_load(m, weights, false, &meta);
        if (rc == 0 && !meta.history)
            rc = nncrt_error("%s: no history recorded in the weights file (try --history FILE)",
                             weights);
        if (rc == 0)
            csv = nncrt_xstrdup(meta.history);
        nncrt_weights_meta_free(&meta);
        free(weights);
        if (rc != 0)
            return 1;
    }
    int rc = nncrt_plot_history(csv, o->out);
    free(csv);
    if (rc != 0)
        return 1;
    fputs("History plotted to ", stdout);
    nncrt_fputs_escaped(o->out, stdout);
    putchar('\n');
    return 0;
}
