/* sweep.c: `careflow sweep` (see sweep.h). STUB: being built. */
#include "models/commands/sweep.h"

#include <stdio.h>

int sweep_run(const scenario_t *sc, const sweep_opts_t *o, char *err, size_t errlen)
{
    (void)sc;
    (void)o;
    return sim_err_set(err, errlen, SIM_EINVAL, "sweep is not built yet");
}
