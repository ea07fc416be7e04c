#ifndef MIZAN_ALLOCATOR_H
#define MIZAN_ALLOCATOR_H

/// The jemalloc options mizan is built with (see allocator.c); a fixed string, for `mizan --version`.
const char *mizan_allocator_options(void);

#endif
