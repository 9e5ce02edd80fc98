/* calib.c: `careflow calibrate` (see calib.h). STUB: being built. */
#include "models/commands/calib.h"

#include <stdio.h>

int calib_run(const scenario_t *sc, const calib_opts_t *o, char *err, size_t errlen)
{
    (void)sc;
    (void)o;
    return sim_err_set(err, errlen, SIM_EINVAL, "calibrate is not built yet");
}
