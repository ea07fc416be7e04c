#ifndef MIZAN_ALLOCATOR_H
#define MIZAN_ALLOCATOR_H

/// The options jemalloc starts with (see allocator.c).
extern const char *malloc_conf;

#endif
