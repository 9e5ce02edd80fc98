/* files.h: the file chores of the tests that run careflow into temporary folders
 * (sensitivity, sweep, calibrate): remove a folder tree, read a whole file, read a
 * file of a folder, run a shell command and keep what it printed. Header-only
 * (static inline), included by one test file each. */
#ifndef TESTS_FILES_H
#define TESTS_FILES_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static inline int files__rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

/* Removes dir and everything below it (symlinks are removed, not followed). */
static inline void files_rm_tree(const char *dir)
{
    nftw(dir, files__rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The whole file, NUL-terminated, in a malloc'd buffer; NULL if it cannot be read. */
static inline char *files_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

/* files_slurp of dir/name. */
static inline char *files_read_in(const char *dir, const char *name)
{
    char p[PATH_MAX + 256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return files_slurp(p);
}

/* Runs a shell command through system(); returns its exit status (128: killed by a
 * signal), its stdout in out and its stderr in err (each cut to fit). */
static inline int files_sh(const char *cmd, char *out, size_t olen, char *err, size_t elen)
{
    char full[8192], of[] = "/tmp/careflow-sh-out-XXXXXX", ef[] = "/tmp/careflow-sh-err-XXXXXX";
    close(mkstemp(of));
    close(mkstemp(ef));
    snprintf(full, sizeof full, "%s >%s 2>%s", cmd, of, ef);
    int st = system(full);
    char *o = files_slurp(of), *e = files_slurp(ef);
    snprintf(out, olen, "%s", o ? o : "");
    snprintf(err, elen, "%s", e ? e : "");
    free(o);
    free(e);
    unlink(of);
    unlink(ef);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#endif
