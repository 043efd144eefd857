/*
 * workspace.c: large scratch buffers (the orthogonal construction's
 * M x N doubles).
 *
 * A fresh buffer costs one page fault per 4 KiB page on first touch, and
 * on some virtual machines a fault costs tens of microseconds (measured
 * here: 28 us, so 0.9 s to touch 128 MiB, longer than the arithmetic of a
 * 4096 x 4096 orthogonal matrix). With the default allocator, buffers of
 * several MiB are therefore aligned to 2 MiB and marked for transparent
 * huge pages on Linux (MADV_HUGEPAGE; a hint the kernel may ignore), which
 * cuts the faults 512-fold. A caller's allocator is used as it is.
 */
#define _DEFAULT_SOURCE
#include "../nninit_internal.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define BIG ((size_t)8 << 20)

void *nninit__alloc_big(const nninit_allocator *a, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!a && size >= BIG) {
        void *p = NULL;
        size_t rounded = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        if (posix_memalign(&p, HUGE_PAGE, rounded) != 0)
            return NULL;
        madvise(p, rounded, MADV_HUGEPAGE); /* only a hint */
        return p;
    }
#endif
    return nninit__alloc(a, size);
}
