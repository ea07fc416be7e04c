// mizan links jemalloc (Debian libjemalloc-dev; libjemalloc2 at run time) ahead of the C library,
// so that every allocation in the process, Swift's, libcurl's and SQLite's, goes through it
// instead of glibc's malloc. A run hands memory between threads all the time (libcurl's thread
// fills a response body, a worker thread parses and frees it; workers build results, the store
// thread frees them), and glibc's arenas then serialise on their locks: jemalloc measured 10-15%
// less CPU on the 100,000-item benchmark (Benchmarks/run-vs-curl.sh). It is linked dynamically on
// purpose: Swift's static-stdlib link hides the symbols of static archives (--exclude-libs ALL),
// so a statically linked jemalloc would serve mizan's own code while libcurl, SQLite and libc kept
// glibc's malloc, and memory freed across that line would corrupt the heap.
//
// Options: two arenas (one per core on the 2-core machines mizan targets; jemalloc's default of
// four per core only costs resident memory), and unused dirty pages returned to the OS after 1 s.
#include "mizan_allocator.h"

/// jemalloc reads this symbol at start-up (an environment variable MALLOC_CONF still overrides it).
const char *malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";
