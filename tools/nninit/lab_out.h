/*
 * lab_out.h: how the CLI shows lab results: tables on a FILE, JSON
 * summaries (jansson), SVG figures, and a progress line. Shared by
 * `nninit lab` and `nninit demo`; one row per experiment, indexed by
 * nninit_lab_experiment.
 */
#ifndef NNINIT_LAB_OUT_H
#define NNINIT_LAB_OUT_H

#include "cli.h"
#include "nninit/lab.h"

#include <jansson.h>

/* Progress on stderr: a rewritten line on a terminal, otherwise one line
 * per stage and tenth. `ud` is a lab_progress_state. */
typedef struct lab_progress_state {
    int tty, quiet;
    char last[160];
    int last_tenth;
    double t0;
} lab_progress_state;
void lab_progress_init(lab_progress_state *s, int quiet);
void lab_progress(void *ud, const char *what, double fraction);
void lab_progress_done(lab_progress_state *s);

/* The table of experiment e's result (o: the settings it ran with). */
void lab_print(FILE *f, nninit_lab_experiment e, const nninit_lab_any_opts *o,
               const nninit_lab_any_result *r);
/* Its JSON summary (a new reference; NULL when out of memory): experiment,
 * seed, data, settings, and the experiment's own keys. */
json_t *lab_json(nninit_lab_experiment e, const nninit_lab_any_opts *o,
                 const nninit_lab_any_result *r);
/* One line saying what ran ("rnn: recall task, delay 30, ..."). */
void lab_print_header(FILE *f, nninit_lab_experiment e,
                      const nninit_lab_any_opts *o);

/* A tour section's verdicts as text (claim, predicted, measured, per seed,
 * verdict, why), and as JSON (a new reference). */
void lab_print_verdicts(FILE *f, const nninit_lab_section *s);
json_t *lab_json_verdicts(const nninit_lab_section *s);

/* Write a JSON document atomically; prints the error, returns an exit
 * code (0 ok). */
int lab_write_json(const char *path, json_t *doc);
/* Write figures as DIR/<name>.svg (creating DIR); prints each path written
 * to `log` if not NULL; returns an exit code. */
int lab_write_figures(const char *dir, const nninit_lab_figure *figs, int n,
                      FILE *log);
/* mkdir -p for one level; returns an exit code. */
int lab_mkdir(const char *dir);

/* A number for JSON: a real, or null when not finite. */
json_t *lab_jnum(double v);

#endif
