/* build.c — `nnc build`: compile an emitted trainer with $CC (clang by default,
 * gcc as fallback) against libnncrt, found next to the nnc binary: in the source
 * tree (build/nnc beside build/libnncrt.a) or in an install prefix
 * (PREFIX/bin/nnc, PREFIX/lib/libnncrt.a, PREFIX/include/nnc/nncrt.h). */
#include "nnc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Directory of the running nnc binary. */
static char *self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return xstrdup(".");
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return xstrdup(buf);
}

/* Sets *inc and *lib to the runtime's header directory and library file. */
static int find_runtime(char **inc, char **lib, const char *libname)
{
    const char *home = getenv("NNC_HOME");
    char *dir = home ? xstrdup(home) : self_dir();
    char *cands[][2] = {
        {xasprintf("%s/../runtime", dir), xasprintf("%s/%s", dir, libname)},          /* tree */
        {xasprintf("%s/../include/nnc", dir), xasprintf("%s/../lib/%s", dir, libname)}, /* prefix */
        {xasprintf("%s/include/nnc", dir), xasprintf("%s/lib/%s", dir, libname)},       /* NNC_HOME */
    };
    int found = -1;
    for (int i = 0; i < 3; i++) {
        char *h = xasprintf("%s/nncrt.h", cands[i][0]);
        if (found < 0 && exists(h) && exists(cands[i][1]))
            found = i;
        free(h);
    }
    for (int i = 0; i < 3; i++) {
        if (i == found) {
            *inc = cands[i][0], *lib = cands[i][1];
        } else {
            free(cands[i][0]), free(cands[i][1]);
        }
    }
    if (found < 0)
        fprintf(stderr, "nnc: error: cannot find %s and nncrt.h near %s "
                        "(set NNC_HOME to the install prefix%s)\n", libname, dir,
                strcmp(libname, "libnncrt.a") ? "; make build/libnncrt_mpi.a builds it" : "");
    free(dir);
    return found < 0 ? -1 : 0;
}

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = xstrdup(path), *save = NULL;
    int ok = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !ok; d = strtok_r(NULL, ":", &save)) {
        char *f = xasprintf("%s/%s", d, prog);
        ok = access(f, X_OK) == 0;
        free(f);
    }
    free(copy);
    return ok;
}

static const char *pick_cc(const char *cc)
{
    if (cc && *cc)
        return cc;
    if ((cc = getenv("CC")) && *cc)
        return cc;
    return on_path("clang") ? "clang" : on_path("gcc") ? "gcc" : "cc";
}

/* A path as a compiler argument: a relative one starting with '-' would be
 * read as an option (gcc and clang have no "--" for their inputs). */
static char *arg_path(const char *path)
{
    return xasprintf("%s%s", path[0] == '-' ? "./" : "", path);
}

/* mpi: link the MPI runtime (libnncrt_mpi.a) with mpicc unless --cc says
 * otherwise: the trainer then runs as one rank of an MPI job. */
int build_trainer(const char *c_path_in, const char *out_path_in, const char *cc, int verbose,
                  int mpi)
{
    char *c_path = arg_path(c_path_in), *out_path = arg_path(out_path_in);
    char *inc = NULL, *lib = NULL;
    if (mpi && !(cc && *cc)) {
        /* Open MPI's mpicc runs $OMPI_CC: the compiler of a plain build, so
           that the two trainers compute the same floats */
        setenv("OMPI_CC", pick_cc(NULL), 0);
        cc = "mpicc";
    }
    if (find_runtime(&inc, &lib, mpi ? "libnncrt_mpi.a" : "libnncrt.a")) {
        free(c_path), free(out_path);
        return -1;
    }
    const char *extra = getenv("NNC_CFLAGS");
    cc = pick_cc(cc);
    const char *argv[32];
    int n = 0;
    argv[n++] = cc;
    const char *flags[] = {"-std=c11", "-O3", "-march=native", "-fno-math-errno", "-fopenmp",
                           "-Wall", "-Wextra"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        argv[n++] = flags[i];
    char *incflag = xasprintf("-I%s", inc);
    argv[n++] = incflag;
    char *extra_copy = extra ? xstrdup(extra) : NULL, *save = NULL;
    for (char *t = extra_copy ? strtok_r(extra_copy, " ", &save) : NULL; t && n < 19;
         t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    const char *tail[] = {"-o", out_path, c_path, lib, "-lpng", "-ljpeg", "-ljansson", "-lcairo",
                          "-lfontconfig", "-lz", "-lm", NULL};
    for (int i = 0; tail[i] || (argv[n] = NULL); i++)
        argv[n++] = tail[i];
    if (verbose) {
        for (int i = 0; argv[i]; i++)
            fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
        fputc('\n', stderr);
    }
    pid_t pid = fork();
    if (pid == 0) {
        execvp(cc, (char *const *)argv);
        fprintf(stderr, "nnc: error: cannot run the C compiler '%s': %m (set CC)\n", cc);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        status = -1;
    free(incflag), free(extra_copy), free(inc), free(lib);
    if (status != 0 && pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
        fprintf(stderr, "nnc: error: %s failed on ", cc);
        diag_put_escaped(stderr, c_path);
        fputc('\n', stderr);
    }
    free(c_path), free(out_path);
    return status == 0 ? 0 : -1;
}
