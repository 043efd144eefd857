/*
 * lab_out.h: how the CLI shows lab results: tables on a FILE, JSON
 * summaries (jansson), SVG figures, and a progress line. Shared by
 * `nninit lab` and `nninit demo`.
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
    char last[96];
    int last_tenth;
    double t0;
} lab_progress_state;
void lab_progress_init(lab_progress_state *s, int quiet);
void lab_progress(void *ud, const char *what, double fraction);
void lab_progress_done(lab_progress_state *s);

/* Tables. */
void lab_print_symmetry(FILE *f, const nninit_lab_symmetry_result *r);
void lab_print_signal(FILE *f, const nninit_lab_signal_result *r, int every);
void lab_print_depth(FILE *f, const nninit_lab_depth_result *r);
void lab_print_selu(FILE *f, const nninit_lab_selu_result *r, int every);
void lab_print_rnn(FILE *f, const nninit_lab_rnn_result *r);
void lab_print_train(FILE *f, const nninit_lab_train_result *r);

/* JSON summaries (new references; NULL when out of memory). */
json_t *lab_json_symmetry(const nninit_lab_symmetry_opts *o,
                          const nninit_lab_symmetry_result *r);
json_t *lab_json_signal(const nninit_lab_signal_opts *o,
                        const nninit_lab_signal_result *r);
json_t *lab_json_depth(const nninit_lab_depth_opts *o,
                       const nninit_lab_depth_result *r);
json_t *lab_json_selu(const nninit_lab_selu_opts *o,
                      const nninit_lab_selu_result *r);
json_t *lab_json_rnn(const nninit_lab_rnn_opts *o,
                     const nninit_lab_rnn_result *r);
json_t *lab_json_train(const nninit_lab_train_opts *o,
                       const nninit_lab_train_result *r);

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
