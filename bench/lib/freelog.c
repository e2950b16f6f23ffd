// Which frees raise glibc's dynamic mmap threshold, and from where (an LD_PRELOAD for measuring,
// never loaded by auditpack itself). glibc serves a request of at least its mmap threshold (128 KiB
// at start) with its own mmap; when such a chunk is freed and is larger than the threshold (up to
// 32 MiB), the threshold becomes its size and the trim threshold twice that: from then on requests
// below it come from the malloc arenas, which keep freed memory instead of giving it back. This
// preload prints each free that would raise it ("RAISE old -> new", the thread id) and a backtrace.
//
//   gcc -O2 -shared -fPIC -o /tmp/freelog.so bench/lib/freelog.c -ldl
//   LD_PRELOAD=/tmp/freelog.so FREELOG_FD=9 node bin/auditpack.js export ... 9>free.log
//   c++filt < free.log | grep -A3 RAISE
//
// docs/PERFORMANCE.md ("The compliance order store in pages") has what it showed.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
static void (*real_free)(void *);
static size_t thr = 128 * 1024;
static __thread int busy;
static int fd = 2;
__attribute__((constructor)) static void init(void) {
  real_free = dlsym(RTLD_NEXT, "free");
  const char *f = getenv("FREELOG_FD");
  if (f) fd = atoi(f);
  void *b[2]; backtrace(b, 1); // preload libgcc
}
void free(void *p) {
  if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
  if (p && !busy) {
    size_t sz = ((size_t *)p)[-1];
    if ((sz & 2) && (sz & ~(size_t)7) > thr && (sz & ~(size_t)7) <= 32u * 1024 * 1024) {
      busy = 1;
      size_t s = sz & ~(size_t)7;
      size_t prev = thr;
      thr = s;
      char line[128];
      struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
      int n = snprintf(line, sizeof line, "RAISE %zu -> %zu at %ld.%03ld tid %d\n", prev, s, ts.tv_sec, ts.tv_nsec / 1000000, gettid());
      write(fd, line, n);
      void *bt[24]; int k = backtrace(bt, 24);
      backtrace_symbols_fd(bt, k, fd);
      busy = 0;
    }
  }
  real_free(p);
}
