#ifndef MIZAN_CLIBPQ_SHIM_H
#define MIZAN_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/// A notice processor that drops server notices (libpq prints them to stderr by default).
static void mizan_pq_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }

/// Installs `mizan_pq_ignore_notice` on a connection.
static inline void mizan_pq_silence_notices(PGconn *conn) { PQsetNoticeProcessor(conn, mizan_pq_ignore_notice, 0); }

#endif
