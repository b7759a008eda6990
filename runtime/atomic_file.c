/* atomic_file.c — temp file + fsync + rename + directory fsync. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/file.h>
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

/* "PATH.tmp.PID.N": distinct names for several saves in one process. */
static char *tmp_name(const char *path, long pid, unsigned n)
{
    nncrt_buf tmp = { 0 };
    nncrt_buf_printf(&tmp, "%s.tmp.%ld.%u", path, pid, n);
    return tmp.data;
}

static char *next_tmp_name(const char *path)
{
    static unsigned counter;
    return tmp_name(path, (long)getpid(), counter++);
}

int nncrt_afile_open(nncrt_afile *a, const char *path)
{
    a->path = nncrt_xstrdup(path);
    a->tmp = next_tmp_name(path);
    /* O_EXCL: never follow or clobber something already at the temp name.
       0666 & ~umask, the permissions a plain fopen would give. The lock
       tells nncrt_afile_clean_stale that the file is in use. */
    int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0)
        flock(fd, LOCK_EX | LOCK_NB);
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

/* ---- before a save: can it be written, and what did earlier ones leave --- */

int nncrt_afile_check(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return nncrt_error("%s: cannot be written: it is a directory", path);
    char *tmp = next_tmp_name(path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int e = errno;
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    free(tmp);
    if (fd >= 0)
        return 0;
    char *copy = nncrt_xstrdup(path);
    nncrt_error("%s: cannot be written: cannot create a file in %s: %s", path, dirname(copy),
                strerror(e));
    free(copy);
    return -1;
}

/* The PID in name when name is exactly base.tmp.PID.N (as tmp_name writes
   it: no sign, no leading zero), else 0. */
static long stale_pid(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0 || strncmp(name + n, ".tmp.", 5) != 0)
        return 0;
    const char *p = name + n + 5;
    char *end;
    errno = 0;
    long pid = strtol(p, &end, 10);
    if (errno || end == p || *end != '.' || pid <= 0 || pid > INT_MAX || end[1] < '0' || end[1] > '9')
        return 0;
    unsigned long k = strtoul(end + 1, NULL, 10);
    char *again = tmp_name(base, pid, (unsigned)k);
    bool same = k <= UINT_MAX && strcmp(again, name) == 0;
    free(again);
    return same ? pid : 0;
}

/* Removes dir/name if it is a regular file of this user that no process
   holds locked; the checks and the unlink are on what was opened. */
static bool remove_unlocked(int dirfd, const char *name)
{
    struct stat st, at;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != geteuid())
        return false;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fstat(fd, &at) == 0 && at.st_ino == st.st_ino && at.st_dev == st.st_dev &&
              flock(fd, LOCK_EX | LOCK_NB) == 0 && unlinkat(dirfd, name, 0) == 0;
    close(fd);
    return ok;
}

void nncrt_afile_clean_stale(const char *path, FILE *info)
{
    char *dcopy = nncrt_xstrdup(path), *bcopy = nncrt_xstrdup(path);
    const char *base = basename(bcopy), *slash = strrchr(path, '/');
    DIR *d = opendir(dirname(dcopy));
    for (struct dirent *e; d && (e = readdir(d));) {
        long pid = stale_pid(e->d_name, base);
        /* ESRCH: no such process; EPERM would mean it lives under another user. */
        if (pid == 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH ||
            !remove_unlocked(dirfd(d), e->d_name))
            continue;
        nncrt_buf shown = { 0 };
        nncrt_buf_add(&shown, path, slash ? (size_t)(slash - path) + 1 : 0);
        nncrt_buf_printf(&shown, "%s", e->d_name);
        fputs("Removed ", info);
        nncrt_fputs_escaped(shown.data, info);
        fprintf(info, ", left by an interrupted save (process %ld).\n", pid);
        nncrt_buf_free(&shown);
    }
    if (d)
        closedir(d);
    free(dcopy);
    free(bcopy);
}
