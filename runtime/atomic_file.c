/* atomic_file.c — temp file + fsync + rename + directory fsync. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void afile_free(nncrt_afile *a)
{
    free(a->path);
    free(a->tmp);
    a->path = a->tmp = NULL;
    a->f = NULL;
}

int nncrt_afile_open(nncrt_afile *a, const char *path)
{
    static unsigned counter;   /* distinct names for several saves in one process */
    nncrt_buf tmp = { 0 };
    nncrt_buf_printf(&tmp, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
    a->path = nncrt_xstrdup(path);
    a->tmp = tmp.data;
    /* O_EXCL: never follow or clobber something already at the temp name.
       0666 & ~umask, the permissions a plain fopen would give. */
    int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 || !(a->f = fdopen(fd, "wb"))) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
        }
        nncrt_error("%s: cannot create temporary file %s: %s", path, a->tmp, strerror(e));
        afile_free(a);
        return -1;
    }
    return 0;
}

/* fsync the directory holding path so the rename itself is durable. */
static int sync_dir(const char *path)
{
    char *copy = nncrt_xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    /* Some file systems cannot fsync a directory (EINVAL): nothing to do there. */
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
        rc = -1;
    int e = errno;
    if (fd >= 0)
        close(fd);
    free(copy);
    errno = e;
    return rc;
}

static int commit_fail(nncrt_afile *a, const char *step, int e)
{
    unlink(a->tmp);
    nncrt_error("%s: write failed at %s: %s", a->path, step, strerror(e));
    afile_free(a);
    return -1;
}

int nncrt_afile_commit(nncrt_afile *a)
{
    int e = 0;
    if (ferror(a->f) || fflush(a->f) != 0) {
        e = errno ? errno : EIO;
        fclose(a->f);
        return commit_fail(a, "write/flush", e);
    }
    if (fsync(fileno(a->f)) != 0) {
        e = errno;
        fclose(a->f);
        return commit_fail(a, "fsync", e);
    }
    if (fclose(a->f) != 0)
        return commit_fail(a, "close", errno);
    if (rename(a->tmp, a->path) != 0)
        return commit_fail(a, "rename", errno);
    if (sync_dir(a->path) != 0) {
        /* The new file is in place; only its durability is in doubt. */
        nncrt_error("%s: write failed at fsync of the directory: %s", a->path, strerror(errno));
        afile_free(a);
        return -1;
    }
    afile_free(a);
    return 0;
}

void nncrt_afile_abort(nncrt_afile *a)
{
    if (a->f) {
        fclose(a->f);
        unlink(a->tmp);
    }
    afile_free(a);
}

int nncrt_write_file_atomic(const char *path, const void *data, size_t len)
{
    nncrt_afile a;
    if (nncrt_afile_open(&a, path) != 0)
        return -1;
    errno = 0;
    if (len && fwrite(data, 1, len, a.f) != len)
    {
        int e = errno ? errno : EIO;
        fclose(a.f);
        return commit_fail(&a, "write", e);
    }
    return nncrt_afile_commit(&a);
}
