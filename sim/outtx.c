/* outtx.c: see outtx.h for the protocol, its names and its invariants. */
#include "sim/outtx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sim/err.h"

enum { IDLE, STAGING, COMMITTED };

#define TEXT(e) sim_errno_text((e), ebuf, sizeof ebuf)

/* ---- small file-system helpers ------------------------------------------------- */

/* The folder dfd/name opened for reading, never through a symbolic link; NULL with
 * errno on failure. */
static DIR *opendir_at(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

/* mkdir -p with mode 0755. 0, or -1 with errno. */
static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Removes dfd/name and everything under it, never following a symlink. 0 or -1. */
static int remove_tree_at(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
    DIR *d = opendir_at(dfd, name);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (remove_tree_at(dirfd(d), e->d_name) != 0)
            rc = -1;
    }
    closedir(d);
    if (unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = -1;
    return rc;
}

static int exists_at(int dfd, const char *name)
{
    struct stat st;
    return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int owned(const outtx_t *tx, const char *name)
{
    for (const char *const *o = tx->owned; o && *o; o++)
        if (!strcmp(*o, name))
            return 1;
    return 0;
}

/* 1 if dfd/s is one of OUT's transaction folders: named exactly ".NAME" kind "XXXXXX"
 * (kind ".new-" or ".old-", XXXXXX the six letters and digits mkdtemp() puts there)
 * and a folder (not followed if a symlink). A sibling folder NAME.old-2024 has the
 * lock file .NAME.old-2024.lock and the staging folder .NAME.old-2024.new-XXXXXX:
 * neither is ours. */
static int is_ours(const outtx_t *tx, int dfd, const char *s, const char *kind)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = strlen(tx->name), k = strlen(kind);
    struct stat st;
    if (s[0] != '.' || strncmp(s + 1, tx->name, n) || strncmp(s + 1 + n, kind, k))
        return 0;
    const char *x = s + 1 + n + k;
    return strlen(x) == 6 && strspn(x, alnum) == 6 &&
           fstatat(dfd, s, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* An old-style temporary inside OUT: ".X.tmp.PID", ".plots.old.PID", ".plots.data.PID". */
static int is_old_temp(const char *s)
{
    if (s[0] != '.')
        return 0;
    static const char *const kinds[] = {".tmp.", ".old.", ".data."};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *p = strstr(s + 1, kinds[i]);
        if (p && p[strlen(kinds[i])] && strspn(p + strlen(kinds[i]), "0123456789") ==
                                            strlen(p + strlen(kinds[i])))
            return 1;
    }
    return 0;
}

/* Moves the entries of the complete set dfd/from that OUT lacks and the command does
 * not own into OUT (parent_fd/name). 0 or -1. */
static int carry_foreign(const outtx_t *tx, int parent_fd, const char *from)
{
    int from_fd = openat(parent_fd, from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (from_fd < 0)
        return -1;
    int out_fd = openat(parent_fd, tx->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (out_fd < 0) {
        close(from_fd);
        return -1;
    }
    DIR *d = fdopendir(from_fd);
    if (!d) {
        close(from_fd);
        close(out_fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || owned(tx, e->d_name) ||
            is_old_temp(e->d_name) || exists_at(out_fd, e->d_name))
            continue;
        if (renameat(dirfd(d), e->d_name, out_fd, e->d_name) != 0)
            rc = -1;
    }
    closedir(d);
    close(out_fd);
    return rc;
}

/* What dead runs left (we hold the lock: none of them is alive). 0 or -1 with err. */
static int clean_leftovers(outtx_t *tx, char *err, size_t errlen)
{
    char ebuf[128];
    int pfd = open(tx->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return sim_err_set(err, errlen, SIM_EIO, "cannot read folder %s: %s", tx->parent,
                           TEXT(errno));
    DIR *d = fdopendir(pfd);
    if (!d) {
        close(pfd);
        return sim_err_set(err, errlen, SIM_EIO, "cannot read folder %s: %s", tx->parent,
                           TEXT(errno));
    }
    int rc = 0;
    struct dirent *e;
    /* First the new-* (incomplete), then each old-* (complete) in turn. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        rewinddir(d);
        while ((e = readdir(d)) != NULL) {
            const char *s = e->d_name;
            if (pass == 0 && is_ours(tx, pfd, s, ".new-")) {
                if (remove_tree_at(pfd, s) != 0)
                    rc = -1;
            } else if (pass == 1 && is_ours(tx, pfd, s, ".old-")) {
                if (!exists_at(pfd, tx->name)) {
                    if (renameat(pfd, s, pfd, tx->name) != 0)
                        rc = -1;
                    continue;
                }
                if (carry_foreign(tx, pfd, s) != 0 || remove_tree_at(pfd, s) != 0)
                    rc = -1;
            }
            if (rc)
                break;
        }
    }
    int saved = errno;
    closedir(d);
    if (rc)
        return sim_err_set(err, errlen, SIM_EIO, "cannot clean what an earlier run left "
                           "beside %s: %s", tx->out, TEXT(saved));
    /* Old-style temporaries inside OUT. */
    int ofd = open(tx->out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ofd < 0)
        return 0; /* no OUT, or not a folder: outtx_begin reports it */
    if (!(d = fdopendir(ofd))) {
        close(ofd);
        return 0;
    }
    while ((e = readdir(d)) != NULL)
        if (is_old_temp(e->d_name) && remove_tree_at(dirfd(d), e->d_name) != 0) {
            saved = errno;
            closedir(d);
            return sim_err_set(err, errlen, SIM_EIO, "cannot remove %s/%s: %s", tx->out,
                               e->d_name, TEXT(saved));
        }
    closedir(d);
    return 0;
}

/* The command named in dfd's marker, into cmd (its first line); "" when there is no
 * marker or it is not a regular file. */
static void read_marker(int dfd, char *cmd, size_t len)
{
    struct stat st;
    cmd[0] = '\0';
    int fd = openat(dfd, OUTTX_MARKER, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        ssize_t n = read(fd, cmd, len - 1);
        cmd[n > 0 ? n : 0] = '\0';
        cmd[strcspn(cmd, "\n")] = '\0';
    }
    close(fd);
}

/* 1 if OUT's entry dfd/s is careflow's though the command does not own it: a set
 * nested in OUT (a folder holding a marker, as out/NAME/sensitivity-oat in a run's
 * out/NAME) or such a set's lock file (.X.lock). */
static int nested_set(int dfd, const char *s)
{
    char x[OUTTX_NAME_MAX], cmd[64];
    size_t n = strlen(s);
    if (s[0] == '.' && n > 6 && !strcmp(s + n - 5, ".lock") && n - 6 < sizeof x) {
        memcpy(x, s + 1, n - 6);
        x[n - 6] = '\0';
        s = x;
    }
    int fd = openat(dfd, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    read_marker(fd, cmd, sizeof cmd);
    close(fd);
    return cmd[0] != '\0';
}

/* OUT may be replaced: missing, or a folder whose marker names this command, or
 * (no marker: written by an older careflow, or by no careflow) a folder that is empty,
 * holds an owned entry or holds only sets nested in it. A folder whose marker names
 * another command is refused: its files would be carried into this command's set. */
static int check_out(const outtx_t *tx, char *err, size_t errlen)
{
    char ebuf[128], cmd[64];
    struct stat st;
    if (lstat(tx->out, &st) != 0)
        return errno == ENOENT ? 0
                               : sim_err_set(err, errlen, SIM_EIO, "cannot use %s: %s", tx->out,
                                             TEXT(errno));
    if (!S_ISDIR(st.st_mode))
        return sim_err_set(err, errlen, SIM_EIO, "cannot write into %s: %s", tx->out,
                           TEXT(ENOTDIR));
    int ofd = open(tx->out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = ofd < 0 ? NULL : fdopendir(ofd);
    if (!d) {
        int e = errno;
        if (ofd >= 0)
            close(ofd);
        return sim_err_set(err, errlen, SIM_EIO, "cannot read folder %s: %s", tx->out,
                           TEXT(e));
    }
    read_marker(ofd, cmd, sizeof cmd);
    if (cmd[0]) {
        closedir(d);
        if (!strcmp(cmd, tx->command))
            return 0;
        return sim_err_set(err, errlen, SIM_EINVAL, "%s holds the outputs of `careflow %s`; "
                           "give %s its own --out", tx->out, cmd, tx->command);
    }
    int any = 0, ours = 0, nested = 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        any = 1;
        ours |= owned(tx, e->d_name);
        nested &= nested_set(ofd, e->d_name);
    }
    closedir(d);
    if (any && !ours && !nested)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s holds files careflow did not write there (it replaces its "
                           "output folder as a whole): choose a new or empty folder with --out",
                           tx->out);
    return 0;
}

/* Writes the marker naming the command into the staging folder. 0 or -1 with errno. */
static int write_marker(const outtx_t *tx)
{
    char text[OUTTX_NAME_MAX + 2];
    int n = snprintf(text, sizeof text, "%s\n", tx->command);
    int fd = open(tx->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int mfd = openat(fd, OUTTX_MARKER, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0644);
    int e = mfd < 0 ? errno : 0;
    close(fd);
    if (mfd < 0) {
        errno = e;
        return -1;
    }
    if (write(mfd, text, (size_t)n) != n) {
        e = errno ? errno : EIO;
        close(mfd);
        errno = e;
        return -1;
    }
    return close(mfd);
}

/* Splits out_dir into tx->out, tx->parent and tx->name. */
static int split_out(outtx_t *tx, const char *out_dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    size_t n = strlen(out_dir);
    struct stat st;
    if (n == 0 || n >= sizeof path)
        return sim_err_set(err, errlen, SIM_EINVAL, "output folder name %s: %s",
                           n ? "too long" : "empty", out_dir);
    memcpy(path, out_dir, n + 1);
    /* An existing OUT (or a symlink to one) by its real path: ".", "a/.." and links
     * then have a real name and parent. */
    if (lstat(path, &st) == 0 && (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))) {
        char real[PATH_MAX];
        if (realpath(path, real) != NULL)
            memcpy(path, real, strlen(real) + 1);
    }
    n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..") ||
        strlen(name) + 16 >= sizeof tx->name)
        return sim_err_set(err, errlen, SIM_EINVAL,
                           "%s cannot be an output folder: give a folder by name", out_dir);
    memcpy(tx->name, name, strlen(name) + 1); /* fits: checked above */
    if (!slash)
        snprintf(tx->parent, sizeof tx->parent, ".");
    else if (slash == path)
        snprintf(tx->parent, sizeof tx->parent, "/");
    else
        snprintf(tx->parent, sizeof tx->parent, "%.*s", (int)(slash - path), path);
    memcpy(tx->out, path, n + 1); /* n < sizeof path == sizeof tx->out */
    if (strlen(tx->parent) + strlen(tx->name) + 32 >= sizeof tx->staging)
        return sim_err_set(err, errlen, SIM_EINVAL, "output folder name too long: %s",
                           out_dir);
    return 0;
}

/* ---- the transaction ----------------------------------------------------------- */

int outtx_begin(outtx_t *tx, const char *out_dir, const char *command,
                const char *const *own, char *err, size_t errlen)
{
    char ebuf[128], lock[PATH_MAX];
    memset(tx, 0, sizeof *tx);
    tx->lock_fd = -1;
    tx->owned = own;
    tx->command = command;
    if (!*command || strlen(command) >= 64 || strchr(command, '\n'))
        return sim_err_set(err, errlen, SIM_EINVAL, "bad command name for %s", out_dir);
    int rc = split_out(tx, out_dir, err, errlen);
    if (rc)
        return rc;
    if (mkdir_p(tx->parent) != 0)
        return sim_err_set(err, errlen, SIM_EIO, "cannot create folder %s: %s", tx->parent,
                           TEXT(errno));
    int w = snprintf(lock, sizeof lock, "%s/.%s.lock", tx->parent, tx->name);
    if (w < 0 || (size_t)w >= sizeof lock) /* split_out checked: cannot happen */
        return sim_err_set(err, errlen, SIM_EINVAL, "output folder name too long: %s",
                           out_dir);
    tx->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (tx->lock_fd < 0)
        return sim_err_set(err, errlen, SIM_EIO, "cannot create the lock file %s: %s", lock,
                           TEXT(errno));
    if (flock(tx->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(tx->lock_fd);
        tx->lock_fd = -1;
        if (e == EWOULDBLOCK)
            return sim_err_set(err, errlen, SIM_EBUSY, "another careflow is writing %s",
                               tx->out);
        return sim_err_set(err, errlen, SIM_EIO, "cannot lock %s: %s", lock, TEXT(e));
    }
    if ((rc = clean_leftovers(tx, err, errlen)) != 0 || (rc = check_out(tx, err, errlen)) != 0)
        goto fail;
    w = snprintf(tx->staging, sizeof tx->staging, "%s/.%s.new-XXXXXX", tx->parent, tx->name);
    if (w < 0 || (size_t)w >= sizeof tx->staging) {
        rc = sim_err_set(err, errlen, SIM_EINVAL, "output folder name too long: %s", out_dir);
        goto fail;
    }
    if (!mkdtemp(tx->staging) || chmod(tx->staging, 0755) != 0) {
        rc = sim_err_set(err, errlen, SIM_EIO, "cannot create a folder beside %s: %s",
                         tx->out, TEXT(errno));
        rmdir(tx->staging);
        goto fail;
    }
    if (write_marker(tx) != 0) {
        rc = sim_err_set(err, errlen, SIM_EIO, "cannot write %s/%s: %s", tx->staging,
                         OUTTX_MARKER, TEXT(errno));
        int pfd = open(tx->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd >= 0) {
            remove_tree_at(pfd, strrchr(tx->staging, '/') + 1);
            close(pfd);
        }
        goto fail;
    }
    const char *s = getenv("CAREFLOW_TEST_FAIL_FILE");
    tx->fail_at = s ? atoi(s) : 0;
    s = getenv("CAREFLOW_TEST_PAUSE_BEFORE_COMMIT");
    tx->pause = s ? (unsigned)atoi(s) : 0;
    s = getenv("CAREFLOW_TEST_NO_EXCHANGE");
    tx->no_exchange = s && *s == '1';
    tx->state = STAGING;
    return 0;
fail:
    close(tx->lock_fd);
    tx->lock_fd = -1;
    return rc;
}

const char *outtx_dir(const outtx_t *tx) { return tx->staging; }

static int staged_path(const outtx_t *tx, const char *rel, char *path, size_t len, char *err,
                       size_t errlen)
{
    if (tx->state != STAGING)
        return sim_err_set(err, errlen, SIM_EINVAL, "no output transaction open for %s", rel);
    if (!*rel || rel[0] == '/' || strstr(rel, ".."))
        return sim_err_set(err, errlen, SIM_EINVAL, "bad output file name: %s", rel);
    int w = snprintf(path, len, "%s/%s", tx->staging, rel);
    if (w < 0 || (size_t)w >= len)
        return sim_err_set(err, errlen, SIM_EINVAL, "output file name too long: %s", rel);
    return 0;
}

int outtx_fopen(outtx_t *tx, const char *rel, FILE **f, char *err, size_t errlen)
{
    char path[PATH_MAX], ebuf[128];
    *f = NULL;
    int rc = staged_path(tx, rel, path, sizeof path, err, errlen);
    if (rc)
        return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return sim_err_set(err, errlen, SIM_EIO, "cannot write %s: %s", path, TEXT(errno));
    if (!(*f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        return sim_err_set(err, errlen, e == ENOMEM ? SIM_ENOMEM : SIM_EIO,
                           "cannot write %s: %s", path, TEXT(e));
    }
    return 0;
}

int outtx_fclose(outtx_t *tx, FILE *f, const char *rel, char *err, size_t errlen)
{
    char ebuf[128];
    int e = 0;
    if (fflush(f) != 0 || ferror(f))
        e = errno ? errno : EIO;
    else if (fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS)
        e = errno;
    if (fclose(f) != 0 && !e)
        e = errno ? errno : EIO;
    if (!e && tx->fail_at > 0 && ++tx->files == tx->fail_at)
        e = ENOSPC; /* test hook: as a full disk */
    if (e)
        return sim_err_set(err, errlen, SIM_EIO, "cannot write %s/%s: %s", tx->staging, rel,
                           TEXT(e));
    return 0;
}

int outtx_write(outtx_t *tx, const char *rel, outtx_writer_fn w, void *ctx, char *err,
                size_t errlen)
{
    FILE *f;
    int rc = outtx_fopen(tx, rel, &f, err, errlen);
    if (rc)
        return rc;
    errno = 0;
    int wrc = w(f, ctx);
    rc = outtx_fclose(tx, f, rel, err, errlen);
    if (wrc)
        return sim_err_set(err, errlen, wrc, "cannot write %s/%s: %s", tx->staging, rel,
                           sim_strerror(wrc));
    return rc;
}

int outtx_mkdir(outtx_t *tx, const char *rel, char *err, size_t errlen)
{
    char path[PATH_MAX], ebuf[128];
    int rc = staged_path(tx, rel, path, sizeof path, err, errlen);
    if (rc)
        return rc;
    if (mkdir(path, 0755) != 0)
        return sim_err_set(err, errlen, SIM_EIO, "cannot create folder %s: %s", path,
                           TEXT(errno));
    return 0;
}

/* Every regular file under dfd/name non-empty; else its path (relative) in bad. */
static int check_files(int dfd, const char *name, char *bad, size_t len, int depth)
{
    if (depth > 16) {
        errno = ELOOP;
        return -1;
    }
    DIR *d = opendir_at(dfd, name);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            size_t at = strlen(bad);
            snprintf(bad + at, len - at, "%s/", e->d_name);
            rc = check_files(dirfd(d), e->d_name, bad, len, depth + 1);
            if (rc == 0)
                bad[at] = '\0';
        } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
            size_t at = strlen(bad);
            snprintf(bad + at, len - at, "%s", e->d_name);
            errno = 0;
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

#ifdef SYS_renameat2
#define EXCHANGE (1 << 1) /* RENAME_EXCHANGE */
static int exchange(int dfd, const char *a, const char *b)
{
    return (int)syscall(SYS_renameat2, dfd, a, dfd, b, EXCHANGE);
}
#else
static int exchange(int dfd, const char *a, const char *b)
{
    errno = ENOSYS;
    return -1;
}
#endif

int outtx_commit(outtx_t *tx, char *err, size_t errlen)
{
    char ebuf[128], bad[PATH_MAX], ready[OUTTX_NAME_MAX + 32], old[OUTTX_NAME_MAX + 32];
    if (tx->state != STAGING)
        return sim_err_set(err, errlen, SIM_EINVAL, "no output transaction open for %s",
                           tx->out);
    const char *stage = strrchr(tx->staging, '/') + 1; /* .NAME.new-XXXXXX */
    const char *suffix = strrchr(stage, '-') + 1;      /* XXXXXX */
    if (tx->pause)
        sleep(tx->pause);
    int pfd = open(tx->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return sim_err_set(err, errlen, SIM_EIO, "cannot read folder %s: %s", tx->parent,
                           TEXT(errno));
    bad[0] = '\0';
    if (check_files(pfd, stage, bad, sizeof bad, 0) != 0) {
        int e = errno;
        close(pfd);
        if (bad[0] && !e)
            return sim_err_set(err, errlen, SIM_EIO, "%s/%s is empty; %s left as it was",
                               tx->out, bad, tx->out);
        return sim_err_set(err, errlen, SIM_EIO, "cannot check %s: %s", tx->staging,
                           TEXT(e ? e : EIO));
    }
    int sfd = openat(pfd, stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd >= 0) {
        fsync(sfd);
        close(sfd);
    }
    /* The complete set is renamed .NAME.old-XXXXXX first: from here a crash leaves a
     * complete set, which the next run's clean-up handles (outtx.h). */
    snprintf(ready, sizeof ready, ".%s.old-%s", tx->name, suffix);
    if (renameat(pfd, stage, pfd, ready) != 0) {
        int e = errno;
        close(pfd);
        return sim_err_set(err, errlen, SIM_EIO, "cannot rename %s: %s", tx->staging, TEXT(e));
    }
    const char *gone = NULL; /* where the old set went */
    int rc = 0, lost = 0;    /* lost: the old set could not be put back as OUT */
    if (!exists_at(pfd, tx->name)) {
        if (renameat(pfd, ready, pfd, tx->name) != 0)
            rc = -1;
    } else if (!tx->no_exchange && exchange(pfd, ready, tx->name) == 0) {
        gone = ready;
    } else if (tx->no_exchange || errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
        /* No exchange here: OUT away, the new set in (a reader between finds no OUT). */
        char tmpl[PATH_MAX];
        int w = snprintf(tmpl, sizeof tmpl, "%s/.%s.old-XXXXXX", tx->parent, tx->name);
        if (w < 0 || (size_t)w >= sizeof tmpl || !mkdtemp(tmpl)) {
            rc = -1;
        } else {
            snprintf(old, sizeof old, "%s", strrchr(tmpl, '/') + 1);
            if (renameat(pfd, tx->name, pfd, old) != 0) {
                rc = -1;
                unlinkat(pfd, old, AT_REMOVEDIR);
            } else if ((tx->fail_swap >= 1 && (errno = EIO)) ||
                       renameat(pfd, ready, pfd, tx->name) != 0) {
                int e = errno;
                /* put the old set back */
                lost = (tx->fail_swap >= 2 && (errno = EIO)) ||
                       renameat(pfd, old, pfd, tx->name) != 0;
                errno = e;
                rc = -1;
            } else {
                gone = old;
            }
        }
    } else {
        rc = -1;
    }
    if (rc != 0) {
        int e = errno;
        remove_tree_at(pfd, ready);
        close(pfd);
        tx->state = COMMITTED; /* nothing left to remove */
        if (lost) /* the next careflow writing OUT makes it OUT again (clean_leftovers) */
            return sim_err_set(err, errlen, SIM_EIO, "cannot move the new files into %s: "
                               "%s; the earlier set is in %s/%s (rename it back to %s)",
                               tx->out, TEXT(e), tx->parent, old, tx->out);
        return sim_err_set(err, errlen, SIM_EIO, "cannot move the new files into %s: %s; "
                           "%s left as it was", tx->out, TEXT(e), tx->out);
    }
    tx->state = COMMITTED;
    if (gone) { /* best effort: a failure here leaves .NAME.old-*, cleaned next time */
        carry_foreign(tx, pfd, gone);
        remove_tree_at(pfd, gone);
    }
    fsync(pfd);
    close(pfd);
    return 0;
}

void outtx_abort(outtx_t *tx)
{
    if (tx->state == IDLE)
        return;
    if (tx->state == STAGING) {
        int pfd = open(tx->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd >= 0) {
            remove_tree_at(pfd, strrchr(tx->staging, '/') + 1);
            close(pfd);
        }
    }
    if (tx->lock_fd >= 0)
        close(tx->lock_fd);
    tx->lock_fd = -1;
    tx->state = IDLE;
}
