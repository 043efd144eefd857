/*
 * ofile.c: output files.
 *
 * A regular file (or a name not taken yet) is written atomically: to a
 * temporary file in the same directory, renamed over the name only when
 * complete. On Linux the temporary file is made with O_TMPFILE: it has no
 * name until the commit links it under ".NAME.tmp-XXXXXX" and renames that
 * over NAME, so a process killed at any point before leaves nothing behind
 * (the kernel frees an unnamed file with its last descriptor). Elsewhere, or
 * on filesystems without O_TMPFILE, it is a mkstemp file from the start.
 *
 * A symlink is followed to the name at the end of its chain, and that file
 * is replaced the same way: the link stays a link. A character device
 * (/dev/null, a terminal) or a FIFO (a pipe; /dev/stdout when it is one)
 * cannot be replaced by a rename without destroying it, so it is opened and
 * written in place, with no atomicity. Anything else (a directory, a block
 * device, a socket) is refused before anything is written.
 *
 * Large files: the size is reserved up front where the caller knows it
 * (fallocate), so a disk that is too small fails before anything is
 * written. (Starting write-back early with sync_file_range was measured to
 * make a 6 GB write more than twice as slow here, on ext4 with reserved
 * extents; the kernel's own dirty-page throttling does better.)
 */
#define _GNU_SOURCE /* fallocate (Linux); else POSIX */
#include "io_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINKS 40 /* Linux's own limit on a chain of symlinks */

/* Length of the directory part of path, its final '/' included. */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

/* An unnamed file in the directory path[0..dirlen) (Linux O_TMPFILE): -1
 * where the kernel or the filesystem cannot. */
static int open_unnamed(const nninit_allocator *a, const char *path,
                        size_t dirlen)
{
#if defined(O_TMPFILE)
    char *dir = (char *)nninit__alloc(a, dirlen + 2);
    if (!dir)
        return -1;
    if (dirlen)
        memcpy(dir, path, dirlen);
    else
        dir[dirlen++] = '.';
    dir[dirlen] = '\0';
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    nninit__free(a, dir);
    return fd;
#else
    (void)a;
    (void)path;
    (void)dirlen;
    return -1;
#endif
}

static void release(nninit_ofile *f)
{
    const nninit_allocator *a = f->alloc;
    nninit__free(a, f->path);
    nninit__free(a, f->target);
    nninit__free(a, f->tmp_path);
    memset(f, 0, sizeof *f);
}

static char *copy_str(const nninit_allocator *a, const char *s, size_t n)
{
    char *d = (char *)nninit__alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Follow symlinks from path to the name a rename must replace: the first
 * name of the chain that is not a symlink (it may not exist yet: a dangling
 * link's target is created). */
static int final_name(nninit_ofile *f, nninit_error *err)
{
    const nninit_allocator *a = f->alloc;
    char *cur = copy_str(a, f->path, strlen(f->path));
    if (!cur)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    for (int hop = 0;; hop++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            break; /* not a link (or not there yet): creating it tells */
        char link[PATH_MAX];
        ssize_t n = hop < MAX_LINKS ? readlink(cur, link, sizeof link) : -1;
        if (n < 0 || (size_t)n >= sizeof link) {
            int e = hop < MAX_LINKS ? (n < 0 ? errno : ENAMETOOLONG) : ELOOP;
            nninit__free(a, cur);
            return nninit__fail(err, NNINIT_EIO, "cannot create '%s': %s",
                                f->path, strerror(e));
        }
        size_t dl = link[0] == '/' ? 0 : dir_len(cur);
        char *next = (char *)nninit__alloc(a, dl + (size_t)n + 1);
        if (!next) {
            nninit__free(a, cur);
            return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
        }
        memcpy(next, cur, dl);
        memcpy(next + dl, link, (size_t)n);
        next[dl + (size_t)n] = '\0';
        nninit__free(a, cur);
        cur = next;
    }
    f->target = cur;
    return NNINIT_OK;
}

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* A character device or FIFO: opened as it is, written in place. */
static int open_through(nninit_ofile *f, nninit_error *err)
{
    int fd = open(f->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return nninit__fail(err, NNINIT_EIO, "cannot open '%s': %s", f->path,
                            strerror(e));
    }
    if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) { /* it changed */
        close(fd);
        return nninit__fail(err, NNINIT_EIO,
                            "cannot open '%s': it changed while opening",
                            f->path);
    }
    f->through = 1;
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        return nninit__fail(err, NNINIT_EIO, "cannot open '%s': %s", f->path,
                            strerror(e));
    }
    return NNINIT_OK;
}

/* A temporary file next to f->target, to be renamed over it. */
static int open_temporary(nninit_ofile *f, int named, nninit_error *err)
{
    const char *t = f->target;
    size_t dl = dir_len(t);
    const char *base = t + dl;
    if (!*base)
        return nninit__fail(err, NNINIT_EINVAL,
                            "output path '%s' names a directory", f->path);
    size_t n = dl + strlen(base) + 32;
    f->tmp_path = (char *)nninit__alloc(f->alloc, n);
    if (!f->tmp_path)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    snprintf(f->tmp_path, n, "%.*s.%s.tmp-XXXXXX", (int)dl, t, base);
    int fd = named ? -1 : open_unnamed(f->alloc, t, dl);
    if (fd >= 0) {
        f->unnamed = 1;
    } else {
        fd = mkstemp(f->tmp_path);
        if (fd < 0)
            return nninit__fail(err, NNINIT_EIO, "cannot create '%s': %s",
                                f->path, strerror(errno));
        /* mkstemp makes 0600; give the file the usual 0666 & ~umask */
        mode_t um = umask(0);
        umask(um);
        (void)fchmod(fd, 0666 & ~um);
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        if (!f->unnamed)
            unlink(f->tmp_path);
        return nninit__fail(err, NNINIT_EIO, "cannot open '%s': %s", f->path,
                            strerror(e));
    }
    return NNINIT_OK;
}

static int open_output(nninit_ofile *f, const char *path,
                       const nninit_allocator *alloc, int named,
                       nninit_error *err)
{
    memset(f, 0, sizeof *f);
    f->alloc = alloc;
    if (!path || !*path)
        return nninit__fail(err, NNINIT_EINVAL, "output path is empty");
    f->path = copy_str(alloc, path, strlen(path));
    if (!f->path)
        return nninit__fail(err, NNINIT_ENOMEM, "out of memory");
    struct stat st;
    int exists = stat(path, &st) == 0, rc;
    if (!exists && errno != ENOENT) {
        rc = nninit__fail(err, NNINIT_EIO, "cannot create '%s': %s", path,
                          strerror(errno));
    } else if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        rc = named ? nninit__fail(err, NNINIT_EINVAL,
                                  "output '%s' is a device or a pipe, which "
                                  "several processes cannot write together",
                                  path)
                   : open_through(f, err);
    } else if (exists && !S_ISREG(st.st_mode)) {
        rc = nninit__fail(err, NNINIT_EINVAL,
                          "output '%s' is %s (nninit writes regular files, "
                          "character devices such as /dev/null, and FIFOs)",
                          path, kind_of(st.st_mode));
    } else if ((rc = final_name(f, err)) == NNINIT_OK) {
        struct stat ts;
        /* the end of the chain must be the file stat() saw (a magic link
         * such as /proc/self/fd/1 can name a file that is gone) */
        if (exists && (lstat(f->target, &ts) != 0 || ts.st_dev != st.st_dev ||
                       ts.st_ino != st.st_ino))
            rc = nninit__fail(err, NNINIT_EIO,
                              "cannot replace '%s': it leads to '%s', which "
                              "is not the file it names", path, f->target);
        else
            rc = open_temporary(f, named, err);
    }
    if (rc)
        release(f);
    return rc;
}

int nninit__ofile_open(nninit_ofile *f, const char *path,
                       const nninit_allocator *alloc, nninit_error *err)
{
    return open_output(f, path, alloc, 0, err);
}

int nninit__ofile_open_named(nninit_ofile *f, const char *path,
                             const nninit_allocator *alloc, nninit_error *err)
{
    return open_output(f, path, alloc, 1, err);
}

int nninit__ofile_join(nninit_ofile *f, const char *path, const char *tmp_path,
                       const nninit_allocator *alloc, nninit_error *err)
{
    memset(f, 0, sizeof *f);
    f->alloc = alloc;
    f->joined = 1;
    f->path = copy_str(alloc, path, strlen(path));
    f->tmp_path = copy_str(alloc, tmp_path, strlen(tmp_path));
    int fd = f->path && f->tmp_path
                 ? open(tmp_path, O_WRONLY | O_CLOEXEC)
                 : -1;
    if (fd < 0 || !(f->fp = fdopen(fd, "wb"))) {
        int e = errno, code = f->path && f->tmp_path ? NNINIT_EIO
                                                     : NNINIT_ENOMEM;
        if (fd >= 0)
            close(fd);
        release(f);
        return nninit__fail(err, code,
                            "cannot open '%s' (the temporary file of '%s'): "
                            "%s", tmp_path, path, strerror(e));
    }
    return NNINIT_OK;
}

int nninit_ofile_open(nninit_ofile *f, const char *path, nninit_error *err)
{
    return nninit__ofile_open(f, path, NULL, err);
}

/* Give an unnamed file the temporary name (a fresh ".NAME.tmp-XXXXXX"),
 * so it can be renamed over the final name. */
static int link_unnamed(nninit_ofile *f)
{
    size_t n = strlen(f->tmp_path);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(f->fp));
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    uint64_t x = (uint64_t)t.tv_nsec ^ ((uint64_t)getpid() << 20) ^
                 (uint64_t)(uintptr_t)f;
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int attempt = 0; attempt < 100; attempt++) {
        for (size_t i = n - 6; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            f->tmp_path[i] = digits[(x >> 33) % 36];
        }
        if (linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp_path, AT_SYMLINK_FOLLOW) ==
            0)
            return 0;
        if (errno == EEXIST)
            continue;
#if defined(AT_EMPTY_PATH) /* no /proc: needs CAP_DAC_READ_SEARCH */
        if (linkat(fileno(f->fp), "", AT_FDCWD, f->tmp_path, AT_EMPTY_PATH) ==
            0)
            return 0;
        if (errno == EEXIST)
            continue;
#endif
        return -1;
    }
    errno = EEXIST;
    return -1;
}

int nninit_ofile_write(nninit_ofile *f, const void *data, size_t size,
                       nninit_error *err)
{
    if (f->failed)
        return nninit__fail(err, NNINIT_EIO, "cannot write '%s'", f->path);
    if (size && fwrite(data, 1, size, f->fp) != size) {
        int e = errno;
        f->failed = 1;
        return nninit__fail(err, NNINIT_EIO, "cannot write '%s': %s", f->path,
                            strerror(e));
    }
    f->written += size;
    return NNINIT_OK;
}

int nninit_ofile_reserve(nninit_ofile *f, uint64_t size, nninit_error *err)
{
    if (!f->fp)
        return nninit__fail(err, NNINIT_EINVAL, "output file is not open");
    if (f->through) /* a device or a pipe: nothing to reserve */
        return NNINIT_OK;
#if defined(__linux__)
    if (size > (uint64_t)INT64_MAX)
        return nninit__fail(err, NNINIT_EIO, "cannot create '%s': %llu bytes "
                                             "is too large", f->path,
                            (unsigned long long)size);
    if (size && fallocate(fileno(f->fp), 0, 0, (off_t)size) != 0) {
        int e = errno;
        if (e == ENOSPC || e == EFBIG || e == EDQUOT) {
            f->failed = 1;
            return nninit__fail(err, NNINIT_EIO,
                                "cannot write '%s': %s (it needs %llu bytes)",
                                f->path, strerror(e),
                                (unsigned long long)size);
        }
        /* EOPNOTSUPP and the like: the writes will tell */
    }
#else
    (void)size;
#endif
    return NNINIT_OK;
}

uint64_t nninit_ofile_tell(const nninit_ofile *f)
{
    off_t pos = f->fp ? ftello(f->fp) : -1;
    return pos < 0 ? 0 : (uint64_t)pos;
}

int nninit_ofile_seek(nninit_ofile *f, uint64_t offset, nninit_error *err)
{
    if (!f->fp || offset > (uint64_t)INT64_MAX ||
        fseeko(f->fp, (off_t)offset, SEEK_SET) != 0) {
        f->failed = 1;
        return nninit__fail(err, NNINIT_EIO, "cannot seek in '%s'",
                            f->path ? f->path : "");
    }
    return NNINIT_OK;
}

int nninit__ofile_seekable(const nninit_ofile *f)
{
    return f->fp && lseek(fileno(f->fp), 0, SEEK_CUR) >= 0;
}

int nninit_ofile_commit(nninit_ofile *f, nninit_error *err)
{
    int rc = NNINIT_OK, linked = !f->unnamed && !f->through && !f->joined;
    if (!f->fp)
        return nninit__fail(err, NNINIT_EINVAL, "output file is not open");
    if (f->failed)
        rc = nninit__fail(err, NNINIT_EIO, "cannot write '%s'", f->path);
    /* a device or a pipe has nothing to sync (fsync fails with EINVAL) */
    if (rc == NNINIT_OK &&
        (fflush(f->fp) != 0 || (!f->through && fsync(fileno(f->fp)) != 0)))
        rc = nninit__fail(err, NNINIT_EIO, "cannot write '%s': %s", f->path,
                          strerror(errno));
    if (rc == NNINIT_OK && f->unnamed) {
        if (link_unnamed(f) != 0)
            rc = nninit__fail(err, NNINIT_EIO, "cannot create '%s': %s",
                              f->path, strerror(errno));
        else
            linked = 1;
    }
    if (fclose(f->fp) != 0 && rc == NNINIT_OK)
        rc = nninit__fail(err, NNINIT_EIO, "cannot write '%s': %s", f->path,
                          strerror(errno));
    f->fp = NULL;
    if (rc == NNINIT_OK && !f->through && !f->joined &&
        rename(f->tmp_path, f->target) != 0)
        rc = nninit__fail(err, NNINIT_EIO, "cannot create '%s': %s", f->path,
                          strerror(errno));
    if (rc != NNINIT_OK && linked)
        unlink(f->tmp_path);
    release(f);
    return rc;
}

void nninit_ofile_abort(nninit_ofile *f)
{
    if (f->fp) {
        fclose(f->fp); /* an unnamed file disappears with its descriptor */
        if (!f->unnamed && !f->through && !f->joined)
            unlink(f->tmp_path);
    }
    release(f);
}
