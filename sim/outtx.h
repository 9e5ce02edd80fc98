/* outtx.h: the one output transaction: a command's whole set of output files appears
 * in its output folder at once, or not at all.
 *
 * As git's lockfile.c, but for a folder. outtx_begin(OUT) takes a lock, cleans what
 * dead runs left, and makes a new hidden staging folder beside OUT; the command writes
 * every file of its set there (outtx_write or outtx_fopen/outtx_fclose: created with
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644, so a planted symlink is never written through);
 * outtx_commit() checks every file, then swaps the staging folder in for OUT;
 * outtx_abort() removes whatever was not committed and releases the lock.
 *
 * Names, all in OUT's parent folder PARENT (NAME is OUT's last component):
 *   PARENT/.NAME.lock          the lock file: flock(LOCK_EX|LOCK_NB) from begin to
 *                              abort; a second careflow gets SIM_EBUSY at once. The
 *                              file stays (removing a lock file races with its users).
 *   PARENT/.NAME.new-XXXXXX    a set being written (incomplete).
 *   PARENT/.NAME.old-XXXXXX    a complete set that is not OUT: the new one just before
 *                              the swap, or the old one just after it.
 *   (XXXXXX: exactly mkdtemp's six letters and digits, and only folders count: the
 *   lock file .NAME.old-2024.lock and the staging folder .NAME.old-2024.new-XXXXXX of
 *   a sibling NAME.old-2024 are not OUT's.)
 * Invariants: a reader of OUT sees the old set or the new set, never a mix (with
 * renameat2(RENAME_EXCHANGE) OUT always exists; where the kernel or file system lacks
 * it, OUT is renamed away and the new set renamed in, and a reader between the two
 * renames finds no OUT). Only files whose names the command owns are replaced: an
 * entry of the old OUT that the command never writes (e.g. a sensitivity folder nested
 * in a run's folder) is moved into the new OUT just after the swap.
 * Leftovers: when the lock is taken, .NAME.new-* folders are removed; an .NAME.old-*
 * folder becomes OUT if OUT is missing (a swap cut short between its renames), else
 * the entries it holds that OUT lacks and the command does not own are moved into OUT
 * and the rest is removed; in OUT, old-style temporaries (.FILE.tmp.PID,
 * .plots.old.PID, .plots.data.PID) are removed.
 * The marker: every set holds OUT/.careflow-set, one line naming the command that
 * wrote it ("run", "compare", "sensitivity"); it is written when the staging folder
 * is made.
 * Safety: an existing OUT is replaced only if it is a folder whose marker names this
 * command or, with no marker (an older careflow's set, or no set), a folder that is
 * empty, holds at least one entry the command owns, or holds only sets nested in it
 * (folders with a marker, and their .X.lock files) (never `--out ~`). A folder whose
 * marker names another command is refused with SIM_EINVAL ("OUT holds the outputs of
 * `careflow run`; give sensitivity its own --out"): its files would be carried into
 * the new set, a mix of two commands' outputs.
 *
 * Errors: 0, or SIM_EBUSY (locked), SIM_EINVAL (OUT cannot be an output folder), SIM_EIO
 * (a file system call failed; the message names the path and the reason), SIM_ENOMEM,
 * with one line in err. On any failure OUT is as it was.
 *
 * Test hooks, read by outtx_begin (tests only): CAREFLOW_TEST_FAIL_FILE=N makes the
 * Nth file closed fail as a full disk would; CAREFLOW_TEST_PAUSE_BEFORE_COMMIT=S
 * sleeps S seconds in outtx_commit before the checks and the swap;
 * CAREFLOW_TEST_NO_EXCHANGE=1 swaps with two renames as where RENAME_EXCHANGE is
 * missing. (tests/test_outtx.c sets the fields after outtx_begin instead, and
 * fail_swap, which has no variable.) */
#ifndef SIM_OUTTX_H
#define SIM_OUTTX_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#define OUTTX_NAME_MAX 256
#define OUTTX_MARKER ".careflow-set" /* in every set: the name of the command that wrote it */

/* One transaction; the caller owns it (on its stack). */
typedef struct outtx {
    char out[PATH_MAX];        /* read-only: OUT (a symlink to a folder resolved) */
    char parent[PATH_MAX];     /* read-only: OUT's parent folder */
    char name[OUTTX_NAME_MAX]; /* read-only: OUT's last component */
    char staging[PATH_MAX];    /* read-only: PARENT/.NAME.new-XXXXXX */
    const char *command;       /* private: the command's name, written in the marker */
    const char *const *owned;  /* private: names the command's sets may hold */
    int lock_fd;               /* private: the locked PARENT/.NAME.lock, or -1 */
    int state;                 /* private: 0 idle, 1 staging, 2 committed */
    int files;                 /* private: files closed so far (test hook) */
    int fail_at;               /* private: CAREFLOW_TEST_FAIL_FILE, or 0 */
    unsigned pause;            /* private: CAREFLOW_TEST_PAUSE_BEFORE_COMMIT, or 0 */
    int no_exchange;           /* private: CAREFLOW_TEST_NO_EXCHANGE: two renames */
    int fail_swap;             /* private, tests only: with two renames, 1 fails the new
                                  set's rename, 2 also putting the old set back */
} outtx_t;

/* Writes one file's text to f; returns 0 or a SIM_E* code (e.g. SIM_ENOMEM). */
typedef int (*outtx_writer_fn)(FILE *f, void *ctx);

/* Probes and prepares OUT before any work: creates PARENT if missing, takes the lock,
 * cleans leftovers, checks OUT and makes the staging folder with the marker. command:
 * the command's name (e.g. "run"; one line, under 64 characters). owned: the names
 * (files or folders directly in OUT) this command's sets may hold, NULL-terminated.
 * Both must outlive tx. On failure nothing is held and nothing is left. */
int outtx_begin(outtx_t *tx, const char *out_dir, const char *command,
                const char *const *owned, char *err, size_t errlen);

/* The staging folder: write the set here (e.g. a plot driver's out_dir). */
const char *outtx_dir(const outtx_t *tx);

/* Opens staging/rel for writing (rel has no "..": a name, or "sub/name" under a
 * folder made with outtx_mkdir). */
int outtx_fopen(outtx_t *tx, const char *rel, FILE **f, char *err, size_t errlen);
/* Flushes, syncs and closes f (always closed); SIM_EIO if any write failed. */
int outtx_fclose(outtx_t *tx, FILE *f, const char *rel, char *err, size_t errlen);
/* outtx_fopen, w(f, ctx), outtx_fclose; the first error is returned. */
int outtx_write(outtx_t *tx, const char *rel, outtx_writer_fn w, void *ctx, char *err,
                size_t errlen);
/* Makes the folder staging/rel (mode 0755). */
int outtx_mkdir(outtx_t *tx, const char *rel, char *err, size_t errlen);

/* Checks every file of the set (each regular file non-empty), then swaps the staging
 * folder in for OUT. On failure OUT is as it was, but for one case: swapping with two
 * renames, when the new set cannot be renamed in and the old set cannot be put back,
 * err names the hidden folder that holds the old set (the next outtx_begin makes it
 * OUT again). The lock is still held. */
int outtx_commit(outtx_t *tx, char *err, size_t errlen);

/* Removes the staging folder unless committed and releases the lock. Call once after
 * a successful outtx_begin, committed or not; harmless on a zeroed or ended tx. */
void outtx_abort(outtx_t *tx);

#endif
