/*
 * cli_team_mpi.c: nninit-mpi, the same tool as one MPI process of many.
 * `init` writes through a team of the MPI_COMM_WORLD ranks (the library
 * only sees two callbacks: agree on a status, broadcast rank 0's bytes).
 * Messages come from one process: rank 0, or the lowest rank that failed.
 *
 * Tests inject a fault in one rank through the environment, read here (the
 * library reads none): NNINIT_TEST_FAIL_RANK=R makes rank R's write fail
 * halfway, NNINIT_TEST_KILL_RANK=R makes rank R kill itself (SIGKILL)
 * halfway.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <mpi.h>
#include <signal.h>
#include <stdlib.h>

static struct {
    nninit_team team;
    int reporter; /* the rank that prints */
    int fail_rank, kill_rank;
} g;

static int agree(void *ud, int status)
{
    (void)ud;
    int mine = status ? g.team.rank : g.team.size, low = g.team.size;
    if (MPI_Allreduce(&mine, &low, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) !=
        MPI_SUCCESS)
        return g.team.rank == 0 ? 1 : 0; /* (MPI aborts first by default) */
    if (low < g.team.size) {
        g.reporter = low;
        return low;
    }
    return -1;
}

static int bcast(void *ud, void *buf, size_t n)
{
    (void)ud;
    return MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS;
}

static int env_rank(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : -1;
}

void cli_team_start(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g.team.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g.team.size);
    g.team.agree = agree;
    g.team.bcast = bcast;
    g.fail_rank = env_rank("NNINIT_TEST_FAIL_RANK");
    g.kill_rank = env_rank("NNINIT_TEST_KILL_RANK");
}

int cli_team_end(int code)
{
    MPI_Finalize();
    return code;
}

const nninit_team *cli_team(void) { return &g.team; }
int cli_team_check(int failed) { return agree(NULL, failed); }
int cli_team_prints(void) { return g.team.rank == g.reporter; }

int cli_team_fault(uint64_t done, uint64_t total)
{
    (void)total;
    if (done == 0)
        return 0;
    if (g.team.rank == g.kill_rank)
        raise(SIGKILL);
    return g.team.rank == g.fail_rank;
}
