/*
 * cli.h: what the nninit subcommands share: exit codes, one-line errors,
 * strict number parsing and the option table.
 *
 * Exit status: 0 success, 1 runtime failure (I/O, memory), 2 bad input
 * (usage, unknown names, invalid parameters). Every error is one line on
 * stderr that starts with "nninit: " and names what is wrong.
 */
#ifndef NNINIT_CLI_H
#define NNINIT_CLI_H

#include "nninit.h"
#include "nninit/io.h"

#include <stdint.h>
#include <stdio.h>

enum { EXIT_BAD_INPUT = 2, EXIT_RUNTIME = 1 };

/* Print "nninit: <message>" on stderr; return code. */
int cli_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Exit code for a library status: 2 for bad input, 1 for the rest. */
int cli_status_exit(int status);

/* Strict parsers: the whole text must be the number. On failure they print
 * "nninit: --NAME: ..." and return EXIT_BAD_INPUT. */
int cli_double(const char *opt, const char *text, double *out);
int cli_finite(const char *opt, const char *text, double *out);
int cli_u64(const char *opt, const char *text, uint64_t *out);
int cli_int(const char *opt, const char *text, int *out);
/* Seeds: any integer in [-2^63, 2^64); negatives wrap as in torch. */
int cli_seed(const char *opt, const char *text, uint64_t *out);
/* --simd auto|scalar|avx2|avx512: a path this CPU and build run. */
int cli_simd(const char *text, nninit_simd *out);

/* A long option. `arg` is 1 if it takes a value. */
typedef struct cli_opt {
    const char *name; /* without the dashes */
    int arg;
    int key; /* returned by cli_next */
} cli_opt;

/* A parser over argv[first..argc). Supports --name value, --name=value,
 * -o value, and positional arguments anywhere; "--" ends options. */
typedef struct cli_parser {
    int argc;
    char **argv;
    int i;
    const cli_opt *opts;
    const char *value; /* value of the last option, or the positional */
} cli_parser;

enum { CLI_END = 0, CLI_POSITIONAL = -1, CLI_ERROR = -2 };

void cli_init(cli_parser *p, int argc, char **argv, int first,
              const cli_opt *opts);
/* Next key, CLI_POSITIONAL (value in p->value), CLI_END, or CLI_ERROR (the
 * message was printed). */
int cli_next(cli_parser *p);

/* A command: name, one-line summary, entry point. */
typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cmd_sample(int argc, char **argv);
int cmd_gain(int argc, char **argv);
int cmd_fans(int argc, char **argv);
int cmd_scalings(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Default thread count for commands: the online CPUs. */
int cli_default_threads(void);

/* ------------------------------------------------------------------------ */
/* Whole models (plan, init)                                                */
/* ------------------------------------------------------------------------ */

/* Options shared by `plan` and `init` (keys CLI_M_*, options below). */
enum {
    CLI_M_PRESET = 2000,
    CLI_M_SEED,
    CLI_M_RNG,
    CLI_M_DTYPE,
    CLI_M_RULES,
    CLI_M_TORCH_KERNEL,
    CLI_M_TORCH_VERSION,
    CLI_M_SCALING
};

#define CLI_MODEL_OPTS                                                         \
    {"preset", 1, CLI_M_PRESET}, {"seed", 1, CLI_M_SEED},                      \
        {"rng", 1, CLI_M_RNG}, {"dtype", 1, CLI_M_DTYPE},                      \
        {"rules", 1, CLI_M_RULES}, {"torch-kernel", 1, CLI_M_TORCH_KERNEL},    \
        {"torch-version", 1, CLI_M_TORCH_VERSION},                            \
        {"scaling", 1, CLI_M_SCALING}

typedef struct cli_model {
    const char *path;  /* MODEL */
    const char *rules; /* --rules FILE */
    nninit_scaling scalings[NNINIT_SCALING_COUNT]; /* --scaling, in order */
    int nscalings;
    nninit_plan_opts po;
    nninit_model *m;
    nninit_ckpt *ck; /* when MODEL is a checkpoint */
    nninit_plan *plan;
} cli_model;

void cli_model_init(cli_model *cm);
/* Handle one of the CLI_M_* options; 0 or an exit code (message printed). */
int cli_model_option(cli_model *cm, int key, const char *value);
/* Read MODEL (a .yaml/.yml/.json description or a .safetensors/.npz/.gguf
 * checkpoint), the rules and the scalings, and make the plan; warnings are
 * printed. 0 or an exit code (message printed). */
int cli_model_load(cli_model *cm);
void cli_model_free(cli_model *cm);
/* The plan's notes, one "nninit: note: ..." line each on stderr. */
void cli_model_notes(const cli_model *cm);
/* The --preset and --scaling lines of plan's and init's help. */
void cli_model_help(void);

/* ------------------------------------------------------------------------ */
/* Processes: nninit alone (cli_team_none.c) or nninit-mpi (cli_team_mpi.c) */
/* ------------------------------------------------------------------------ */

/* Start and end the process group (MPI_Init, MPI_Finalize); end returns
 * code. */
void cli_team_start(int *argc, char ***argv);
int cli_team_end(int code);
/* The team `init` writes with; NULL when alone. */
const nninit_team *cli_team(void);
/* Collective: every process's failure (0: none) in, the lowest failing
 * rank out (or -1); that rank prints from then on. */
int cli_team_check(int failed);
/* 1 if this process prints messages (rank 0, or the one that failed). */
int cli_team_prints(void);
/* A test's fault, injected at progress `done` of `total` bytes (nninit-mpi
 * only, from NNINIT_TEST_FAIL_RANK / NNINIT_TEST_KILL_RANK): 1 to fail
 * this process's write here; a kill does not return. */
int cli_team_fault(uint64_t done, uint64_t total);

#endif /* NNINIT_CLI_H */
