/* plot_calib.c: the prior-against-posterior plots of `careflow calibrate`
 * (plot_render_calibrate, see plot.h), drawn by plots/calibrate.gp from the histograms
 * the caller wrote. They join the calibrated run's plots in OUT/plots: drawn (and
 * checked) by plot__draw into a folder of their own inside OUT, then moved in. */
#include "models/commands/plot.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/commands/plot_internal.h"
#include "sim/err.h"
#include "sim/mem.h"

#define CALIB_SCRIPT "calibrate.gp"

int plot_render_calibrate(const scenario_t *sc, const char *out_dir, const char *data_dir,
                          const char *scripts_dir, int k, const double *est,
                          const double *lo, const double *hi, double ess, char *err,
                          size_t errlen)
{
    char script[PLOT_PATH_LEN], side[PLOT_PATH_LEN], from[PLOT_PATH_LEN], to[PLOT_PATH_LEN];
    plot__sb_t labels = {0}, nums = {0}, expect = {0}, title = {0};
    int rc;
    if (err && errlen)
        err[0] = '\0';
    if ((rc = plot__find_script(sc, out_dir, scripts_dir, CALIB_SCRIPT, script, err, errlen)))
        return rc;
    if (plot__path_fmt(side, "%s/.plots.calib.%ld", out_dir, (long)getpid()) != 0)
        return sim_err_set(err, errlen, SIM_EINVAL, "%s: path too long: plots skipped", out_dir);
    for (int i = 0; i < k; i++) {
        char b[96];
        plot__sb_item(&labels, sc->uncertain[i].label);
        snprintf(b, sizeof b, "%s%.10g %.10g %.10g", i ? " " : "", est[i], lo[i], hi[i]);
        for (const char *p = b; *p; p++)
            plot__sb_putc(&nums, *p);
        snprintf(b, sizeof b, "posterior-%d", i + 1);
        plot__sb_item(&expect, b);
    }
    char head[512]; /* the title, and on how many points the posterior rests */
    snprintf(head, sizeof head, "%s (effective sample size %.0f)", plot__title(sc), ess);
    plot__sb_text(&title, head);
    plot__title_footer(&title, sc, "per point", "bars: posterior weights of the points");
    plot__sb_ensure(&labels);
    plot__sb_ensure(&nums);
    if (labels.oom || nums.oom || expect.oom || title.oom) {
        rc = sim_err_set(err, errlen, SIM_ENOMEM, "out of memory: plots skipped");
        goto out;
    }
    plot__remove_tree(side);
    if (mkdir(side, 0777) != 0) {
        rc = sim_err_set(err, errlen, SIM_EIO, "%s: %s: plots skipped", side, strerror(errno));
        goto out;
    }
    const char *args[] = {title.s, labels.s, nums.s, "png svg", NULL};
    if ((rc = plot__draw(side, data_dir, script, args, expect.s, err, errlen)) == 0) {
        /* into OUT/plots, beside the run's */
        char dst[PLOT_PATH_LEN];
        if (plot__path_fmt(dst, "%s/plots", out_dir) != 0 ||
            (mkdir(dst, 0777) != 0 && errno != EEXIST))
            rc = sim_err_set(err, errlen, SIM_EIO, "%s/plots: cannot make it: plots skipped",
                             out_dir);
        for (int i = 0; i < k && rc == 0; i++)
            for (int f = 0; f < 2 && rc == 0; f++) {
                const char *ext = f ? "svg" : "png";
                if (plot__path_fmt(from, "%s/plots/posterior-%d.%s", side, i + 1, ext) != 0 ||
                    plot__path_fmt(to, "%s/posterior-%d.%s", dst, i + 1, ext) != 0 ||
                    rename(from, to) != 0)
                    rc = sim_err_set(err, errlen, SIM_EIO, "cannot move %s: plots skipped",
                                     from);
            }
    }
    plot__remove_tree(side);
out:
    plot__sb_free(&labels);
    plot__sb_free(&nums);
    plot__sb_free(&expect);
    plot__sb_free(&title);
    return rc;
}
