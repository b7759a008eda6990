/* atomic_file.h — replace a file so that a crash leaves either the old or the
 * new version, never a half-written one (the redis rdb.c recipe): write a
 * temporary file beside the target, flush, fsync, rename over the target,
 * fsync the directory. On failure the temporary file is removed and the
 * error names the step that failed. */
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

#endif
