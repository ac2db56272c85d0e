// A disk that forgets what was not synced, for the power-loss test (issue 18). Loaded into
// `missive serve` with LD_PRELOAD, it keeps beside the real data directory an *image*: what a
// disk would hold after a power cut at this instant. The test SIGKILLs the server, rebuilds
// the data directory from the image (powerloss_disk.cpp) and starts the server on it.
//
// The model (like LazyFS, and what POSIX promises rather than what ext4 happens to do):
// - a regular file's content reaches the image only when the file is fsync'ed or
//   fdatasync'ed (or written through an O_SYNC/O_DSYNC descriptor): the bytes written since
//   its last sync are copied from the real file into the image's copy;
// - a name (create, rename, unlink, mkdir, rmdir) reaches the image only when its parent
//   directory is fsync'ed: the directory's listing in the image is replaced by the real one;
// - sync() and syncfs() make everything under the data directory durable;
// - SQLite's `-shm` file is never durable (SQLite rebuilds it from the WAL): it is left out;
// - sync_file_range and msync make nothing durable (neither promises the file's metadata).
// With MISSIVE_POWERLOSS_IGNORE_SYNC=1 no sync is honoured: the image stays what it was at
// start, which is what a server that acknowledges before its fsync looks like after a cut.
//
// The image (MISSIVE_POWERLOSS_STATE, outside the data directory) identifies files by an id,
// not by name, so that a rename or an unlink does not move content before its directory is
// synced:
//   root          the id of the data directory
//   ino/<id>      the durable content of a regular file (absent: empty)
//   dir/<id>      the durable listing of a directory: lines "<f|d> <id> <name>" (absent: empty)
// Files present when the server started have the id "i<inode>" (the test writes that image);
// a file or directory this process creates gets a fresh id "c<n>", so an inode number the
// kernel reuses never inherits another file's content.
//
// Crash consistency: the server is SIGKILLed at any instant, the image must then be a state a
// power cut could leave. A listing is written to tmp/ and renamed over its old version. A
// file's dirty bytes are copied in place: a kill mid-copy leaves part of an fsync applied,
// which a real disk may also do while an fsync is in flight (the fsync never returned, so
// nothing was acknowledged on it); its first copy, and a whole-file copy, goes through tmp/.
//
// Not modelled: writes the shim cannot see (glibc-internal ones such as fwrite, mmap'ed
// writes, descriptors made by fcntl(F_DUPFD)) except that a sync of such a file copies it
// whole; other processes (the shim removes itself from the environment of children).
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FDS 65536
#define MAX_INODES 65536  // power of two: open addressing
#define ID_LEN 32

typedef struct {
  unsigned char tracked;   // a file or directory under the data directory
  unsigned char is_dir;
  unsigned char is_shm;    // never durable
  unsigned char sync_all;  // O_SYNC / O_DSYNC
  ino_t ino;
} FdInfo;

typedef struct {
  ino_t ino;  // 0: free slot
  char id[ID_LEN];
  int whole_dirty;     // the image cannot be patched: copy the whole file at the next sync
  uint64_t lo, hi;     // the dirty extent [lo, hi) since the last sync; lo >= hi: clean
} Inode;

static struct {
  int enabled;
  int ignore_sync;
  char data[PATH_MAX];  // canonical, without trailing slash
  size_t data_len;
  char state[1024];  // short enough that every image path fits in PATH_MAX
  pthread_mutex_t lock;  // guards inodes, next_id and every image update
  unsigned long next_id;
  unsigned long tmp_seq;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

static FdInfo fds[MAX_FDS];
static Inode inodes[MAX_INODES];

// The real functions.
#define REAL(name) real_##name
#define DECLARE_REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)
DECLARE_REAL(int, open, const char*, int, ...);
DECLARE_REAL(int, open64, const char*, int, ...);
DECLARE_REAL(int, openat, int, const char*, int, ...);
DECLARE_REAL(int, openat64, int, const char*, int, ...);
DECLARE_REAL(int, creat, const char*, mode_t);
DECLARE_REAL(int, creat64, const char*, mode_t);
DECLARE_REAL(FILE*, fopen, const char*, const char*);
DECLARE_REAL(FILE*, fopen64, const char*, const char*);
DECLARE_REAL(int, close, int);
DECLARE_REAL(int, fclose, FILE*);
DECLARE_REAL(int, dup, int);
DECLARE_REAL(int, dup2, int, int);
DECLARE_REAL(int, dup3, int, int, int);
DECLARE_REAL(ssize_t, write, int, const void*, size_t);
DECLARE_REAL(ssize_t, pwrite, int, const void*, size_t, off_t);
DECLARE_REAL(ssize_t, pwrite64, int, const void*, size_t, off64_t);
DECLARE_REAL(ssize_t, writev, int, const struct iovec*, int);
DECLARE_REAL(ssize_t, pwritev, int, const struct iovec*, int, off_t);
DECLARE_REAL(ssize_t, pwritev64, int, const struct iovec*, int, off64_t);
DECLARE_REAL(ssize_t, pwritev2, int, const struct iovec*, int, off_t, int);
DECLARE_REAL(ssize_t, pwritev64v2, int, const struct iovec*, int, off64_t, int);
DECLARE_REAL(int, ftruncate, int, off_t);
DECLARE_REAL(int, ftruncate64, int, off64_t);
DECLARE_REAL(int, truncate, const char*, off_t);
DECLARE_REAL(int, truncate64, const char*, off64_t);
DECLARE_REAL(int, fallocate, int, int, off_t, off_t);
DECLARE_REAL(int, fallocate64, int, int, off64_t, off64_t);
DECLARE_REAL(int, posix_fallocate, int, off_t, off_t);
DECLARE_REAL(int, posix_fallocate64, int, off64_t, off64_t);
DECLARE_REAL(ssize_t, sendfile, int, int, off_t*, size_t);
DECLARE_REAL(ssize_t, sendfile64, int, int, off64_t*, size_t);
DECLARE_REAL(ssize_t, copy_file_range, int, off64_t*, int, off64_t*, size_t, unsigned int);
DECLARE_REAL(ssize_t, splice, int, off64_t*, int, off64_t*, size_t, unsigned int);
DECLARE_REAL(int, fsync, int);
DECLARE_REAL(int, fdatasync, int);
DECLARE_REAL(void, sync, void);
DECLARE_REAL(int, syncfs, int);
DECLARE_REAL(int, mkdir, const char*, mode_t);
DECLARE_REAL(int, mkdirat, int, const char*, mode_t);

static void* next_symbol(const char* name) { return dlsym(RTLD_NEXT, name); }

#define RESOLVE(name) real_##name = (__typeof__(real_##name))next_symbol(#name)

static void resolve_all(void) {
  RESOLVE(open); RESOLVE(open64); RESOLVE(openat); RESOLVE(openat64); RESOLVE(creat);
  RESOLVE(creat64); RESOLVE(fopen); RESOLVE(fopen64); RESOLVE(close); RESOLVE(fclose); RESOLVE(dup);
  RESOLVE(dup2); RESOLVE(dup3); RESOLVE(write); RESOLVE(pwrite); RESOLVE(pwrite64);
  RESOLVE(writev); RESOLVE(pwritev); RESOLVE(pwritev64); RESOLVE(pwritev2);
  RESOLVE(pwritev64v2); RESOLVE(ftruncate); RESOLVE(ftruncate64); RESOLVE(truncate);
  RESOLVE(truncate64); RESOLVE(fallocate); RESOLVE(fallocate64); RESOLVE(posix_fallocate);
  RESOLVE(posix_fallocate64); RESOLVE(sendfile); RESOLVE(sendfile64);
  RESOLVE(copy_file_range); RESOLVE(splice); RESOLVE(fsync); RESOLVE(fdatasync); RESOLVE(sync);
  RESOLVE(syncfs); RESOLVE(mkdir); RESOLVE(mkdirat);
}

// The shim cannot keep its promise (a bookkeeping file it cannot write): stop the server
// loudly rather than let a test pass on a wrong image.
static void die(const char* what) {
  char line[PATH_MAX + 128];
  int n = snprintf(line, sizeof line, "powerloss shim: %s: %s\n", what, strerror(errno));
  if (n > 0) real_write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  abort();
}

__attribute__((constructor)) static void init(void) {
  resolve_all();
  const char* data = getenv("MISSIVE_POWERLOSS_DATA");
  const char* state = getenv("MISSIVE_POWERLOSS_STATE");
  const char* ignore = getenv("MISSIVE_POWERLOSS_IGNORE_SYNC");
  if (data != NULL && state != NULL && realpath(data, g.data) != NULL &&
      strlen(state) < sizeof g.state) {
    strcpy(g.state, state);
    g.data_len = strlen(g.data);
    g.ignore_sync = ignore != NULL && strcmp(ignore, "1") == 0;
    g.enabled = 1;
  }
  // Children (the media worker, helpers) run without the shim: one process owns the image.
  unsetenv("LD_PRELOAD");
  unsetenv("MISSIVE_POWERLOSS_DATA");
  unsetenv("MISSIVE_POWERLOSS_STATE");
  unsetenv("MISSIVE_POWERLOSS_IGNORE_SYNC");
}

// --- bookkeeping ------------------------------------------------------------------------------

// Under g.lock. The inode's slot, created (with the id of a file present at start) if absent.
static Inode* inode_slot(ino_t ino) {
  size_t i = (size_t)ino & (MAX_INODES - 1);
  for (size_t probes = 0; probes < MAX_INODES; ++probes, i = (i + 1) & (MAX_INODES - 1)) {
    if (inodes[i].ino == ino) return &inodes[i];
    if (inodes[i].ino == 0) {
      inodes[i].ino = ino;
      snprintf(inodes[i].id, ID_LEN, "i%lu", (unsigned long)ino);
      inodes[i].lo = UINT64_MAX;
      inodes[i].hi = 0;
      return &inodes[i];
    }
  }
  errno = ENOSPC;
  die("too many inodes");
  return NULL;
}

static int under_data(const char* path) {
  return strncmp(path, g.data, g.data_len) == 0 &&
         (path[g.data_len] == '/' || path[g.data_len] == '\0');
}

static int ends_with(const char* s, const char* suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int fd_path(int fd, char* out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  if (n < 0) return -1;
  out[n] = '\0';
  return 0;
}

static void mark_dirty(int fd, uint64_t lo, uint64_t hi);
static void sync_fd(int fd);

// A descriptor just opened (or made by dup): track it if it is under the data directory.
// `created`: the open made a new file, which gets a fresh id.
static void track_fd(int fd, int flags, int created) {
  if (!g.enabled || fd < 0 || fd >= MAX_FDS) return;
  memset(&fds[fd], 0, sizeof fds[fd]);
  char path[PATH_MAX];
  struct stat st;
  if (fd_path(fd, path, sizeof path) != 0 || !under_data(path) || fstat(fd, &st) != 0) return;
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return;
  fds[fd].is_dir = S_ISDIR(st.st_mode);
  fds[fd].is_shm = ends_with(path, "-shm");
  fds[fd].sync_all = (flags & (O_SYNC | O_DSYNC)) != 0;
  fds[fd].ino = st.st_ino;
  fds[fd].tracked = 1;
  if (flags & O_TRUNC) mark_dirty(fd, 0, UINT64_MAX);
  if (created) {
    pthread_mutex_lock(&g.lock);
    Inode* in = inode_slot(st.st_ino);
    snprintf(in->id, ID_LEN, "c%lu", ++g.next_id);
    in->whole_dirty = 1;  // its image does not exist yet
    pthread_mutex_unlock(&g.lock);
  }
}

static void mark_dirty(int fd, uint64_t lo, uint64_t hi) {
  if (!g.enabled || fd < 0 || fd >= MAX_FDS || !fds[fd].tracked || fds[fd].is_dir ||
      fds[fd].is_shm || lo >= hi) {
    return;
  }
  pthread_mutex_lock(&g.lock);
  Inode* in = inode_slot(fds[fd].ino);
  if (lo < in->lo) in->lo = lo;
  if (hi > in->hi) in->hi = hi;
  pthread_mutex_unlock(&g.lock);
}

// After a write of `n` bytes at the descriptor's file offset (write, writev).
static void wrote_at_offset(int fd, ssize_t n) {
  if (n <= 0 || fd < 0 || fd >= MAX_FDS || !fds[fd].tracked) return;
  off_t end = lseek(fd, 0, SEEK_CUR);
  if (end < 0 && errno == ESPIPE) {
    fds[fd].tracked = 0;  // a stale entry: the number now names a socket or a pipe
    return;
  }
  if (end < 0) {
    mark_dirty(fd, 0, UINT64_MAX);
  } else {
    mark_dirty(fd, (uint64_t)end - (uint64_t)n, (uint64_t)end);
  }
  if (fds[fd].sync_all) sync_fd(fd);
}

static void wrote_at(int fd, off64_t offset, ssize_t n) {
  if (n <= 0 || fd < 0 || fd >= MAX_FDS || !fds[fd].tracked) return;
  mark_dirty(fd, (uint64_t)offset, (uint64_t)offset + (uint64_t)n);
  if (fds[fd].sync_all) sync_fd(fd);
}

// --- the image --------------------------------------------------------------------------------

// Under g.lock. A fresh temp file name in the image's tmp/.
static void tmp_path(char* out, size_t size) {
  snprintf(out, size, "%s/tmp/%d-%lu", g.state, getpid(), ++g.tmp_seq);
}

static int copy_range(int from, int to, uint64_t lo, uint64_t hi) {
  char buffer[1 << 16];
  while (lo < hi) {
    size_t want = hi - lo < sizeof buffer ? (size_t)(hi - lo) : sizeof buffer;
    ssize_t n = pread(from, buffer, want, (off_t)lo);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = real_pwrite(to, buffer + done, (size_t)(n - done), (off_t)lo + done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return -1;
      done += w;
    }
    lo += (uint64_t)n;
  }
  return 0;
}

// Under g.lock. Makes the content of the file open as `fd` (inode `in`) durable.
static void persist_file(int fd, Inode* in) {
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int from = real_open(proc, O_RDONLY | O_CLOEXEC);  // `fd` may be write-only
  if (from < 0) die("reopen a synced file");
  struct stat st;
  if (fstat(from, &st) != 0) die("fstat a synced file");
  char image[PATH_MAX];
  snprintf(image, sizeof image, "%s/ino/%s", g.state, in->id);
  int to = in->whole_dirty ? -1 : real_open(image, O_WRONLY | O_CLOEXEC);
  if (to < 0) {
    // The whole file, into a temp file renamed over the image: atomic.
    char tmp[PATH_MAX];
    tmp_path(tmp, sizeof tmp);
    to = real_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (to < 0 || copy_range(from, to, 0, (uint64_t)st.st_size) != 0) die("copy a synced file");
    real_close(to);
    if (rename(tmp, image) != 0) die("rename a file image");
  } else {
    // The dirty extent, in place (see the top of the file for why a torn copy is fine).
    uint64_t hi = in->hi < (uint64_t)st.st_size ? in->hi : (uint64_t)st.st_size;
    if (in->lo < hi && copy_range(from, to, in->lo, hi) != 0) die("patch a file image");
    if (real_ftruncate(to, st.st_size) != 0) die("truncate a file image");
    real_close(to);
  }
  real_close(from);
  in->whole_dirty = 0;
  in->lo = UINT64_MAX;
  in->hi = 0;
}

// Under g.lock. Makes the names in the directory open as `fd` (inode `in`) durable.
static void persist_dir(int fd, Inode* in) {
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  int dfd = real_open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) die("reopen a synced directory");
  DIR* dir = fdopendir(dfd);
  if (dir == NULL) die("read a synced directory");
  char tmp[PATH_MAX];
  tmp_path(tmp, sizeof tmp);
  int out = real_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) die("write a directory image");
  FILE* listing = fdopen(out, "w");
  if (listing == NULL) die("write a directory image");
  struct dirent* e;
  while ((e = readdir(dir)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (ends_with(e->d_name, "-shm") || strchr(e->d_name, '\n') != NULL) continue;
    struct stat st;
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // just gone
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) continue;
    fprintf(listing, "%c %s %s\n", S_ISDIR(st.st_mode) ? 'd' : 'f', inode_slot(st.st_ino)->id,
            e->d_name);
  }
  closedir(dir);
  if (fclose(listing) != 0) die("write a directory image");
  char image[PATH_MAX];
  snprintf(image, sizeof image, "%s/dir/%s", g.state, in->id);
  if (rename(tmp, image) != 0) die("rename a directory image");
}

static void sync_fd(int fd) {
  if (!g.enabled || g.ignore_sync) return;
  FdInfo info;
  if (fd >= 0 && fd < MAX_FDS && fds[fd].tracked) {
    info = fds[fd];
  } else {
    // Opened where the shim could not see it: look now, and copy it whole.
    char path[PATH_MAX];
    struct stat st;
    if (fd_path(fd, path, sizeof path) != 0 || !under_data(path) || fstat(fd, &st) != 0) return;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return;
    info = (FdInfo){.tracked = 1, .is_dir = S_ISDIR(st.st_mode),
                    .is_shm = ends_with(path, "-shm"), .ino = st.st_ino};
    pthread_mutex_lock(&g.lock);
    inode_slot(st.st_ino)->whole_dirty = 1;
    pthread_mutex_unlock(&g.lock);
  }
  if (info.is_shm) return;
  pthread_mutex_lock(&g.lock);
  Inode* in = inode_slot(info.ino);
  if (info.is_dir) {
    persist_dir(fd, in);
  } else {
    persist_file(fd, in);
  }
  pthread_mutex_unlock(&g.lock);
}

// sync() and syncfs(): every file and directory under the data directory, children first
// (a name made durable before its content would briefly show an empty file).
static void sync_tree(const char* path) {
  int fd = real_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    DIR* dir = opendir(path);
    struct dirent* e;
    while (dir != NULL && (e = readdir(dir)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      char child[PATH_MAX];
      if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) < (int)sizeof child) {
        sync_tree(child);
      }
    }
    if (dir != NULL) closedir(dir);
  }
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    pthread_mutex_lock(&g.lock);
    inode_slot(st.st_ino)->whole_dirty = 1;
    pthread_mutex_unlock(&g.lock);
    sync_fd(fd);  // fd is untracked: sync_fd looks it up and copies it whole
  }
  real_close(fd);
}

// --- the intercepted calls --------------------------------------------------------------------

static int exists_at(int dirfd, const char* path) {
  struct stat st;
  return fstatat(dirfd, path, &st, 0) == 0;
}

static int do_openat(int (*real)(int, const char*, int, ...), int dirfd, const char* path,
                     int flags, mode_t mode) {
  int existed = (flags & O_CREAT) && g.enabled ? exists_at(dirfd, path) : 1;
  int fd = real(dirfd, path, flags, mode);
  if (fd >= 0) track_fd(fd, flags, !existed);
  return fd;
}

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(real_openat, AT_FDCWD, path, flags, mode);
}
int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(real_openat64, AT_FDCWD, path, flags, mode);
}
int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(real_openat, dirfd, path, flags, mode);
}
int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(real_openat64, dirfd, path, flags, mode);
}
// The _FORTIFY_SOURCE entry points.
int __open_2(const char* path, int flags) { return do_openat(real_openat, AT_FDCWD, path, flags, 0); }
int __open64_2(const char* path, int flags) {
  return do_openat(real_openat64, AT_FDCWD, path, flags, 0);
}
int __openat_2(int dirfd, const char* path, int flags) {
  return do_openat(real_openat, dirfd, path, flags, 0);
}
int __openat64_2(int dirfd, const char* path, int flags) {
  return do_openat(real_openat64, dirfd, path, flags, 0);
}
int creat(const char* path, mode_t mode) {
  return do_openat(real_openat, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}
int creat64(const char* path, mode_t mode) {
  return do_openat(real_openat64, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

static FILE* do_fopen(FILE* (*real)(const char*, const char*), const char* path,
                      const char* mode) {
  int existed = g.enabled && strpbrk(mode, "wa") != NULL ? exists_at(AT_FDCWD, path) : 1;
  FILE* f = real(path, mode);
  if (f != NULL) track_fd(fileno(f), strchr(mode, 'w') != NULL ? O_TRUNC : 0, !existed);
  return f;
}
FILE* fopen(const char* path, const char* mode) { return do_fopen(real_fopen, path, mode); }
FILE* fopen64(const char* path, const char* mode) { return do_fopen(real_fopen64, path, mode); }

int close(int fd) {
  if (fd >= 0 && fd < MAX_FDS) fds[fd].tracked = 0;
  return real_close(fd);
}
// fclose closes its descriptor inside the C library, where close() is not seen.
int fclose(FILE* f) {
  int fd = fileno(f);
  if (fd >= 0 && fd < MAX_FDS) fds[fd].tracked = 0;
  return real_fclose(f);
}

static int copy_fd_info(int from, int to) {
  if (to >= 0 && to < MAX_FDS) {
    if (from >= 0 && from < MAX_FDS) {
      fds[to] = fds[from];
    } else {
      fds[to].tracked = 0;
    }
  }
  return to;
}
int dup(int fd) { return copy_fd_info(fd, real_dup(fd)); }
int dup2(int fd, int to) {
  int r = real_dup2(fd, to);
  return r < 0 ? r : copy_fd_info(fd, r);
}
int dup3(int fd, int to, int flags) {
  int r = real_dup3(fd, to, flags);
  return r < 0 ? r : copy_fd_info(fd, r);
}

ssize_t write(int fd, const void* buf, size_t n) {
  ssize_t r = real_write(fd, buf, n);
  wrote_at_offset(fd, r);
  return r;
}
ssize_t writev(int fd, const struct iovec* iov, int count) {
  ssize_t r = real_writev(fd, iov, count);
  wrote_at_offset(fd, r);
  return r;
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  ssize_t r = real_pwrite(fd, buf, n, offset);
  wrote_at(fd, offset, r);
  return r;
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t offset) {
  ssize_t r = real_pwrite64(fd, buf, n, offset);
  wrote_at(fd, offset, r);
  return r;
}
ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t offset) {
  ssize_t r = real_pwritev(fd, iov, count, offset);
  wrote_at(fd, offset, r);
  return r;
}
ssize_t pwritev64(int fd, const struct iovec* iov, int count, off64_t offset) {
  ssize_t r = real_pwritev64(fd, iov, count, offset);
  wrote_at(fd, offset, r);
  return r;
}
// pwritev2's offset -1 means "at the file offset".
ssize_t pwritev2(int fd, const struct iovec* iov, int count, off_t offset, int flags) {
  ssize_t r = real_pwritev2(fd, iov, count, offset, flags);
  if (offset == -1) {
    wrote_at_offset(fd, r);
  } else {
    wrote_at(fd, offset, r);
  }
  return r;
}
ssize_t pwritev64v2(int fd, const struct iovec* iov, int count, off64_t offset, int flags) {
  ssize_t r = real_pwritev64v2(fd, iov, count, offset, flags);
  if (offset == -1) {
    wrote_at_offset(fd, r);
  } else {
    wrote_at(fd, offset, r);
  }
  return r;
}

// Size changes: everything from the new end (or the changed range) on is dirty.
int ftruncate(int fd, off_t length) {
  int r = real_ftruncate(fd, length);
  if (r == 0) mark_dirty(fd, (uint64_t)length, UINT64_MAX);
  return r;
}
int ftruncate64(int fd, off64_t length) {
  int r = real_ftruncate64(fd, length);
  if (r == 0) mark_dirty(fd, (uint64_t)length, UINT64_MAX);
  return r;
}
static void truncated_path(const char* path) {
  if (!g.enabled) return;
  int fd = real_open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  track_fd(fd, 0, 0);
  mark_dirty(fd, 0, UINT64_MAX);
  close(fd);
}
int truncate(const char* path, off_t length) {
  int r = real_truncate(path, length);
  if (r == 0) truncated_path(path);
  return r;
}
int truncate64(const char* path, off64_t length) {
  int r = real_truncate64(path, length);
  if (r == 0) truncated_path(path);
  return r;
}
int fallocate(int fd, int mode, off_t offset, off_t length) {
  int r = real_fallocate(fd, mode, offset, length);
  if (r == 0) mark_dirty(fd, (uint64_t)offset, UINT64_MAX);
  return r;
}
int fallocate64(int fd, int mode, off64_t offset, off64_t length) {
  int r = real_fallocate64(fd, mode, offset, length);
  if (r == 0) mark_dirty(fd, (uint64_t)offset, UINT64_MAX);
  return r;
}
int posix_fallocate(int fd, off_t offset, off_t length) {
  int r = real_posix_fallocate(fd, offset, length);
  if (r == 0) mark_dirty(fd, (uint64_t)offset, UINT64_MAX);
  return r;
}
int posix_fallocate64(int fd, off64_t offset, off64_t length) {
  int r = real_posix_fallocate64(fd, offset, length);
  if (r == 0) mark_dirty(fd, (uint64_t)offset, UINT64_MAX);
  return r;
}

// In-kernel copies into a file: the whole file is dirty (cheap to say, rare to happen).
ssize_t sendfile(int out, int in, off_t* offset, size_t n) {
  ssize_t r = real_sendfile(out, in, offset, n);
  if (r > 0) mark_dirty(out, 0, UINT64_MAX);
  return r;
}
ssize_t sendfile64(int out, int in, off64_t* offset, size_t n) {
  ssize_t r = real_sendfile64(out, in, offset, n);
  if (r > 0) mark_dirty(out, 0, UINT64_MAX);
  return r;
}
ssize_t copy_file_range(int in, off64_t* in_off, int out, off64_t* out_off, size_t n,
                        unsigned int flags) {
  ssize_t r = real_copy_file_range(in, in_off, out, out_off, n, flags);
  if (r > 0) mark_dirty(out, 0, UINT64_MAX);
  return r;
}
ssize_t splice(int in, off64_t* in_off, int out, off64_t* out_off, size_t n, unsigned int flags) {
  ssize_t r = real_splice(in, in_off, out, out_off, n, flags);
  if (r > 0) mark_dirty(out, 0, UINT64_MAX);
  return r;
}

int fsync(int fd) {
  int r = real_fsync(fd);
  if (r == 0) sync_fd(fd);
  return r;
}
int fdatasync(int fd) {
  int r = real_fdatasync(fd);
  if (r == 0) sync_fd(fd);
  return r;
}
void sync(void) {
  real_sync();
  if (g.enabled && !g.ignore_sync) sync_tree(g.data);
}
int syncfs(int fd) {
  int r = real_syncfs(fd);
  if (r == 0 && g.enabled && !g.ignore_sync) sync_tree(g.data);
  return r;
}

// A new directory gets a fresh id (its inode number may be a removed one's).
static void made_dir(int dirfd, const char* path) {
  if (!g.enabled) return;
  int fd = real_openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  track_fd(fd, 0, 1);
  close(fd);
}
int mkdir(const char* path, mode_t mode) {
  int r = real_mkdir(path, mode);
  if (r == 0) made_dir(AT_FDCWD, path);
  return r;
}
int mkdirat(int dirfd, const char* path, mode_t mode) {
  int r = real_mkdirat(dirfd, path, mode);
  if (r == 0) made_dir(dirfd, path);
  return r;
}
