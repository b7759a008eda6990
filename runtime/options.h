/* options.h — command-line options of the trainer's commands (getopt_long),
 * with strict number parsing: "--epochs abc", negative or overflowing
 * values are usage errors (exit status 2), never silently 0. */
#ifndef NNCRT_OPTIONS_H
#define NNCRT_OPTIONS_H

#include <stdint.h>

#include "commands.h"

enum { NNCRT_OPTS_OK = 0, NNCRT_OPTS_HELP = -2, NNCRT_OPTS_USAGE = 2 };

/* argv[0] is the command name ("fit"); fills o with its options. Returns
   NNCRT_OPTS_OK, NNCRT_OPTS_HELP (--help was printed) or NNCRT_OPTS_USAGE
   (an error was printed). */
int nncrt_parse_options(const nncrt_model *m, const char *prog, int argc, char **argv, nncrt_opts *o);
void nncrt_command_usage(const nncrt_model *m, const char *prog, const char *cmd, FILE *out);

/* Each returns 0, or prints "error: --OPT: ..." and returns -1. */
int nncrt_parse_int(const char *opt, const char *s, long long lo, long long hi, long long *out);
int nncrt_parse_u64(const char *opt, const char *s, uint64_t *out);
int nncrt_parse_positive(const char *opt, const char *s, double hi, double *out);

#endif
