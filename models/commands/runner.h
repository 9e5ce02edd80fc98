/* runner.h: TEMPORARY: the runner__ forwarding functions models/commands/sensitivity.c
 * still calls, until it adopts sim/signals, sim/progress, sim/fmt, sim/pool,
 * sim/outtx and models/commands/figures.h directly; then this file and runner.c go.
 * `careflow run` is run.h, `careflow compare` compare.h. */
#ifndef MODELS_RUNNER_H
#define MODELS_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "models/pathway/model.h"
#include "models/scenario/scenario.h"
#include "sim/signals.h"

typedef signals_save_t runner__sigsave_t;
void runner__signals_catch(runner__sigsave_t *s);
void runner__signals_restore(const runner__sigsave_t *s);
int runner__signal(void);
void runner__files_begun(void);
const char *runner__signal_name(int sig);

double runner__now(void);
void runner__put_field(FILE *f, const char *s);
void runner__put_num(FILE *f, double x);
void runner__put_json_str(FILE *f, const char *s);
int runner__mkdir_p(const char *path);
int runner__join_path(char *out, size_t len, const char *dir, const char *prefix,
                      const char *name, const char *suffix);

typedef void (*runner__writer_fn)(FILE *f, void *ctx);
int runner__write_file(const char *dir, const char *name, runner__writer_fn w, void *ctx,
                       char *tmp, size_t tmplen, char *err, size_t errlen);

int runner__wait_workers(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running);
void runner__worker_done(pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *running);
void runner__bar_draw(double frac, int done, int n, const char *what, double elapsed,
                      int *width);

int runner__figure_find(const scenario_t *sc, const model_plan_t *plan, const char *metric,
                        const char *stage);
int runner__figure_values(const scenario_t *sc, const model_plan_t *plan,
                          const model_result_t *r, const int *idx, int n, double *v);
int runner__figure_names(const scenario_t *sc, const model_plan_t *plan, char *buf,
                         size_t len, const char *metric);

#endif
