/*
 * cli_team_none.c: nninit runs as one process (nninit-mpi links
 * cli_team_mpi.c instead), so the plain tool needs no MPI at all.
 */
#include "cli.h"

void cli_team_start(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

int cli_team_end(int code) { return code; }
const nninit_team *cli_team(void) { return NULL; }
int cli_team_check(int failed) { return failed ? 0 : -1; }
int cli_team_prints(void) { return 1; }

int cli_team_fault(uint64_t done, uint64_t total)
{
    (void)done;
    (void)total;
    return 0;
}
