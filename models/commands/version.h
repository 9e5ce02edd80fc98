/* version.h: careflow's version, printed by `careflow --version` and written to each
 * run's manifest.json. */
#ifndef MODELS_VERSION_H
#define MODELS_VERSION_H

#define CAREFLOW_VERSION "0.1.0"

#endif
