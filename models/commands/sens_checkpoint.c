/* sens_checkpoint.c: OUT/.checkpoint, the finished points of an interrupted sweep
 * (see sens_internal.h).
 *
 * Each rank appends its finished points to OUT/.checkpoint/points-RANK.txt: a header
 * line "MAGIC KEY", one line "input SHA256 PATH" per file the loader read (the
 * scenario, every include, every CSV: sc->inputs), then one line per point
 * "P HEX HEX ..." (the point's block of values as exact hexadecimal doubles), flushed
 * point by point. The key is a SHA-256 of everything a point's values depend on: the
 * version, every input file's path and SHA-256 (as hashed when the scenario was
 * loaded: no file is read again), the --set overrides, the method and sizes, the
 * outputs and every point's value texts. Rank 0 reads every points-*.txt whose key
 * matches; a torn last line (the machine died mid-write) ends a file's reading; a
 * file with another key is removed, and when its input lines show that an input file
 * changed (or is no longer read), stderr says "the inputs changed since the
 * checkpoint (FILE): starting afresh".
 *
 * The folder and its files are opened with O_NOFOLLOW (mode 0755 and 0644): a symlink
 * planted at OUT/.checkpoint or at a points file is never read, written or emptied
 * through; writing refuses it with SIM_EIO ("... is a symbolic link").
 *
 * Failure: reading is best effort (what cannot be read is simply run again); writing
 * returns SIM_EIO, and the sweep stops. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/commands/sens_internal.h"
#include "models/commands/version.h"
#include "sim/mem.h"
#include "sim/sha256.h"

#define CKPT_DIR ".checkpoint"
#define CKPT_MAGIC "careflow-sensitivity-checkpoint 2"
#define CKPT_INPUT "input "

void sens__ckpt_key(sens__sweep_t *w)
{
    sha256_t c;
    uint8_t d[32];
    char line[256];
    sha256_init(&c);
#define ADD(s) sha256_update(&c, (s), strlen(s) + 1)
    ADD(CAREFLOW_VERSION);
    ADD(w->sc->path);
    for (int i = 0; i < w->sc->n_inputs; i++) { /* every file the loader read */
        ADD(w->sc->inputs[i].path);
        ADD(w->sc->inputs[i].sha256);
    }
    for (int i = 0; i < w->o->n_sets; i++)
        ADD(w->o->sets[i]);
    snprintf(line, sizeof line, "%s %d %d %d %llu %d",
             w->tag ? w->tag : sens_method_name(w->o->method), w->n_pts,
             w->k, w->reps, (unsigned long long)w->sc->seed, w->plan.n_reports);
    ADD(line);
    for (int i = 0; i < w->out.n; i++) {
        ADD(w->out.metric[i]);
        ADD(w->out.stage[i]);
    }
    for (int i = 0; i < w->k; i++)
        ADD(w->paths[i]);
    for (int p = 0; p < w->n_pts; p++)
        for (int i = 0; i < w->k; i++)
            ADD(sens__vt(w, p, i));
#undef ADD
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++)
        snprintf(w->key + 2 * i, 3, "%02x", d[i]);
}

/* buf = dir/name; 0, or SIM_EINVAL when it does not fit. */
static int join(char *buf, size_t len, const char *dir, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= len ? SIM_EINVAL : 0;
}

/* OUT/.checkpoint opened as a folder, never through a symlink (O_NOFOLLOW: a symlink
 * planted there fails with ELOOP, or ENOTDIR if it is not a folder); with create, OUT
 * and the folder are made first (mode 0755) if missing. OUT itself may be a symlink to
 * a folder, as outtx allows. The descriptor, or -1 with errno. */
static int ckpt_dirfd(const sens__sweep_t *w, int create)
{
    if (create && mkdir(w->o->out_dir, 0755) != 0 && errno != EEXIST)
        return -1;
    int ofd = open(w->o->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ofd < 0)
        return -1;
    if (create && mkdirat(ofd, CKPT_DIR, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        close(ofd);
        errno = e;
        return -1;
    }
    int fd = openat(ofd, CKPT_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(ofd);
    errno = e;
    return fd;
}

int sens__ckpt_write(sens__sweep_t *w, int p)
{
    if (!w->ckpt)
        return 0;
    const double *blk = &w->val[(size_t)p * w->block];
    fprintf(w->ckpt, "%d", p);
    for (size_t j = 0; j < w->block; j++)
        fprintf(w->ckpt, " %a", blk[j]);
    fputc('\n', w->ckpt);
    return fflush(w->ckpt) != 0 || ferror(w->ckpt) ? SIM_EIO : 0;
}

/* The checkpoint folder, opened (NULL if it is not there, or is a symlink). */
static DIR *ckpt_opendir(const sens__sweep_t *w)
{
    int fd = ckpt_dirfd(w, 0);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (fd >= 0 && !d)
        close(fd);
    return d;
}

/* The file name prefix of this set of points: "TAG-", or "points-". */
static void ckpt_prefix(const sens__sweep_t *w, char *buf, size_t len)
{
    snprintf(buf, len, "%s-", w->tag ? w->tag : "points");
}

/* The name of the next PREFIX*.txt of the open folder d; NULL when there are no more. */
static const char *ckpt_next(DIR *d, const char *prefix)
{
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix)))
            return e->d_name;
    return NULL;
}

/* Reads the point lines of f into w, starting with the one already in line (if not
 * empty); stops at the first torn or bad line. */
static void read_points(sens__sweep_t *w, FILE *f, char *line, size_t cap, double *tmp)
{
    for (int first = line[0] != 0; first || fgets(line, (int)cap, f); first = 0) {
        size_t n = strlen(line);
        if (n == 0 || line[n - 1] != '\n')
            break; /* torn */
        char *s = line, *end;
        long p = strtol(s, &end, 10);
        if (end == s || p < 0 || p >= w->n_pts)
            break;
        size_t j = 0;
        for (s = end; j < w->block; j++, s = end) {
            tmp[j] = strtod(s, &end);
            if (end == s)
                break;
        }
        if (j < w->block)
            break;
        memcpy(&w->val[(size_t)p * w->block], tmp, w->block * sizeof *tmp);
        if (!w->done[p])
            w->n_resumed++;
        w->done[p] = 1;
    }
}

/* The first input file of the checkpoint's header (the "input SHA PATH" lines after
 * the first line, read from f up to the first point line, which is left in line) that
 * this sweep read with other bytes, or that it did not read; into changed. 1 if
 * there is one. */
static int changed_input(const sens__sweep_t *w, FILE *f, char *line, size_t cap,
                         char *changed, size_t len)
{
    int found = 0;
    line[0] = 0;
    while (fgets(line, (int)cap, f) && !strncmp(line, CKPT_INPUT, strlen(CKPT_INPUT))) {
        char *sha = line + strlen(CKPT_INPUT), *path = strchr(sha, ' ');
        size_t n = strlen(line);
        if (!path || line[n - 1] != '\n')
            break;
        *path++ = 0;
        line[n - 1] = 0;
        int same = 0;
        for (int i = 0; i < w->sc->n_inputs && !same; i++)
            same = !strcmp(w->sc->inputs[i].path, path) && !strcmp(w->sc->inputs[i].sha256, sha);
        if (!same && !found) {
            snprintf(changed, len, "%s", path);
            found = 1;
        }
        line[0] = 0;
    }
    return found;
}

void sens__ckpt_read(sens__sweep_t *w)
{
    char changed[PATH_MAX];
    const char *name;
    int said = 0;
    DIR *d = ckpt_opendir(w);
    if (!d)
        return;
    size_t cap = 64 + w->block * 32 + PATH_MAX;
    char *line = mem_alloc(cap), *head = mem_alloc(256);
    double *tmp = mem_reallocarray(NULL, w->block ? w->block : 1, sizeof *tmp);
    char prefix[80];
    ckpt_prefix(w, prefix, sizeof prefix);
    while (line && head && tmp && (name = ckpt_next(d, prefix))) {
        struct stat st;
        int fd = openat(dirfd(d), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        FILE *f = fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ? NULL : fdopen(fd, "r");
        if (!f) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        char want[160];
        snprintf(want, sizeof want, "%s %s\n", CKPT_MAGIC, w->key);
        head[0] = 0;
        int ours = fgets(head, 256, f) && !strcmp(head, want);
        int magic = !strncmp(head, CKPT_MAGIC " ", strlen(CKPT_MAGIC) + 1);
        /* a checkpoint of this sweep whose input files changed: said once */
        int moved = changed_input(w, f, line, cap, changed, sizeof changed);
        if (!ours) {
            fclose(f);
            if (magic && moved) {
                if (!w->o->quiet && !said)
                    fprintf(stderr, "careflow: note: the inputs changed since the checkpoint "
                                    "(%s): starting afresh\n", changed);
                said = 1;
            } else if (!w->o->quiet) {
                fprintf(stderr, "careflow: note: removing %s/%s/%s, a checkpoint of another "
                                "sweep\n", w->o->out_dir, CKPT_DIR, name);
            }
            unlinkat(dirfd(d), name, 0);
            continue;
        }
        read_points(w, f, line, cap, tmp);
        fclose(f);
    }
    closedir(d);
    mem_free(line);
    mem_free(head);
    mem_free(tmp);
}

void sens__ckpt_remove(const sens__sweep_t *w)
{
    const char *name;
    DIR *d = ckpt_opendir(w);
    if (!d)
        return; /* missing, or a symlink: nothing of ours to remove */
    char prefix[80];
    ckpt_prefix(w, prefix, sizeof prefix);
    while ((name = ckpt_next(d, prefix)))
        unlinkat(dirfd(d), name, 0);
    closedir(d);
    int ofd = open(w->o->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ofd >= 0) {
        unlinkat(ofd, CKPT_DIR, AT_REMOVEDIR);
        close(ofd);
    }
}

int sens__ckpt_open(sens__sweep_t *w, int rank, char *err, size_t errlen)
{
    char dir[PATH_MAX], name[100], eb[128];
    struct stat st;
    ckpt_prefix(w, name, sizeof name);
    snprintf(name + strlen(name), sizeof name - strlen(name), "%d.txt", rank);
    if (join(dir, sizeof dir, w->o->out_dir, CKPT_DIR))
        return sim_err_set(err, errlen, SIM_EINVAL, "output folder name too long: %s",
                           w->o->out_dir);
    /* OUT's parent exists (rank 0's outtx_begin made it before the ranks agreed) */
    int dfd = ckpt_dirfd(w, 1);
    if (dfd < 0) {
        int e = errno;
        if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
            return sim_err_set(err, errlen, SIM_EIO, "cannot write the checkpoint: %s is a "
                               "symbolic link (careflow does not follow it): remove it", dir);
        return sim_err_set(err, errlen, SIM_EIO, "cannot write the checkpoint %s: %s", dir,
                           sim_errno_text(e, eb, sizeof eb));
    }
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    int e = errno;
    close(dfd);
    if (fd < 0 && e == ELOOP)
        return sim_err_set(err, errlen, SIM_EIO, "cannot write the checkpoint: %s/%s is a "
                           "symbolic link (careflow does not follow it): remove it", dir, name);
    off_t end = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (fd >= 0 && (end < 0 || !(w->ckpt = fdopen(fd, "a")))) {
        e = errno;
        close(fd);
    }
    if (!w->ckpt)
        return sim_err_set(err, errlen, e == ENOMEM ? SIM_ENOMEM : SIM_EIO,
                           "cannot write the checkpoint %s/%s: %s", dir, name,
                           sim_errno_text(e, eb, sizeof eb));
    if (end == 0) {
        fprintf(w->ckpt, "%s %s\n", CKPT_MAGIC, w->key);
        for (int i = 0; i < w->sc->n_inputs; i++)
            fprintf(w->ckpt, "%s%s %s\n", CKPT_INPUT, w->sc->inputs[i].sha256,
                    w->sc->inputs[i].path);
    }
    if (fflush(w->ckpt) != 0 || ferror(w->ckpt))
        return sim_err_set(err, errlen, SIM_EIO, "cannot write the checkpoint %s/%s: %s", dir,
                           name, sim_errno_text(errno, eb, sizeof eb));
    return 0;
}
