/*
 * main.c: the nninit command-line tool. Dispatches to one file per command;
 * this layer only parses, prints and chooses exit codes.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <signal.h>
#include <string.h>

static const cli_command commands[] = {
    {"demo", "the main job: a tour of why initialization matters (report)",
     cmd_demo},
    {"lab", "experiments: why initialization matters, measured and plotted",
     cmd_lab},
    {"sample", "initialize one tensor and write it as .npy", cmd_sample},
    {"plan", "a whole model: each tensor's initializer and why", cmd_plan},
    {"init", "a whole model to safetensors, npz or gguf", cmd_init},
    {"recommend", "which initializer the rule picks for an activation",
     cmd_recommend},
    {"gain", "PyTorch's gain for a nonlinearity", cmd_gain},
    {"fans", "fan_in and fan_out of a shape", cmd_fans},
    {"scalings", "the depth and width schemes and the roles they read",
     cmd_scalings},
    {"bench", "time initializers next to a memset of the same buffer",
     cmd_bench},
    {NULL, NULL, NULL}};

static void usage(FILE *out)
{
    fprintf(out,
            "nninit %s: neural-network weight initialization\n\n"
            "usage: nninit COMMAND [options]   (nninit COMMAND --help)\n\n"
            "commands:\n",
            nninit_version());
    for (const cli_command *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n  --version  print the version\n"
                 "  --help     this text\n");
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
    cli_team_start(&argc, &argv);
    return cli_team_end(run(argc, argv));
}

static int run(int argc, char **argv)
{
    /* Past a file-size limit (ulimit -f) the kernel's default is to kill
     * the process without a word; ignored, the write fails with EFBIG and
     * the command says so ("File too large"), exit 1. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("nninit %s\n", nninit_version());
        return 0;
    }
    const char *names[sizeof commands / sizeof *commands];
    int n = 0;
    for (const cli_command *c = commands; c->name; c++)
        names[n++] = c->name;
    nninit_names table = {"command", names, n, NULL, 0};
    nninit_error err;
    int i;
    if (nninit_names_parse(&table, cmd, &i, &err))
        return cli_error(EXIT_BAD_INPUT, "%s", err.msg);
    return commands[i].run(argc - 1, argv + 1);
}
