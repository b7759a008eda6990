/* atomic_file.h — replace a file so that a crash leaves either the old or the
 * new version, never a half-written one (the redis rdb.c recipe): write a
 * temporary file beside the target, flush, fsync, rename over the target,
 * fsync the directory. On failure the temporary file is removed and the
 * error names the step that failed; a temporary file a killed process left
 * is removed by the next nncrt_afile_clean_stale. */
#ifndef NNCRT_ATOMIC_FILE_H
#define NNCRT_ATOMIC_FILE_H

#include <stdio.h>

typedef struct nncrt_afile {
    FILE *f;        /* write here between open and commit */
    char *path;     /* final name */
    char *tmp;      /* temporary name in the same directory */
} nncrt_afile;

int nncrt_afile_open(nncrt_afile *a, const char *path);
/* Flush, fsync, close, rename, fsync the directory. Frees a in all cases. */
int nncrt_afile_commit(nncrt_afile *a);
/* Close and unlink the temporary file; the target is left untouched. */
void nncrt_afile_abort(nncrt_afile *a);

/* Convenience: the whole file from one buffer. */
int nncrt_write_file_atomic(const char *path, const void *data, size_t len);

/* Before work whose result goes to path: fails (naming path and the reason)
   unless a temporary file can be created beside it, and removed again, and
   path is not a directory, so a save cannot fail for want of permission
   after an hour of training. */
int nncrt_afile_check(const char *path);

/* Removes the temporary files (PATH.tmp.PID.N) that interrupted saves of
   path left behind, naming each on info: only names exactly of that form,
   regular files of this user, whose process is gone and which no process
   holds locked (nncrt_afile_open locks its file until the commit), so the
   file of a save in progress elsewhere, or someone else's, is never removed. */
void nncrt_afile_clean_stale(const char *path, FILE *info);

#endif
