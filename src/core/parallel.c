/*
 * parallel.c: a parallel loop over numbered tasks, for the fills and the
 * orthogonal construction.
 *
 * Workers take task numbers from one shared counter, so a worker slowed by
 * other load on its core does not hold up the rest. Callers make every task
 * a pure function of its number (never of the worker that runs it or of the
 * thread count), which keeps the output identical at any thread count.
 * Threads are started per call and joined before it returns: no state
 * outlives a call, and nothing is allocated.
 */
#include "../nninit_internal.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct team {
    void (*fn)(void *ctx, uint64_t task, int worker);
    void *ctx;
    uint64_t ntasks;
    atomic_uint_fast64_t next;
} team;

typedef struct member {
    team *t;
    int worker;
} member;

static void *run_member(void *arg)
{
    member *m = (member *)arg;
    team *t = m->t;
    for (;;) {
        uint64_t task = atomic_fetch_add(&t->next, 1);
        if (task >= t->ntasks)
            break;
        t->fn(t->ctx, task, m->worker);
    }
    return NULL;
}

void nninit__parallel_for(int threads, uint64_t ntasks,
                          void (*fn)(void *ctx, uint64_t task, int worker),
                          void *ctx)
{
    if (threads > NNINIT__MAX_THREADS)
        threads = NNINIT__MAX_THREADS;
    if ((uint64_t)threads > ntasks)
        threads = (int)ntasks;
    if (threads <= 1) {
        for (uint64_t i = 0; i < ntasks; i++)
            fn(ctx, i, 0);
        return;
    }
    team t;
    t.fn = fn;
    t.ctx = ctx;
    t.ntasks = ntasks;
    atomic_init(&t.next, 0);
    member m[NNINIT__MAX_THREADS];
    pthread_t tid[NNINIT__MAX_THREADS];
    int started[NNINIT__MAX_THREADS];
    for (int k = 0; k < threads; k++) {
        m[k].t = &t;
        m[k].worker = k;
    }
    for (int k = 1; k < threads; k++)
        started[k] = pthread_create(&tid[k], NULL, run_member, &m[k]) == 0;
    run_member(&m[0]); /* workers that failed to start leave more for us */
    for (int k = 1; k < threads; k++)
        if (started[k])
            pthread_join(tid[k], NULL);
}
