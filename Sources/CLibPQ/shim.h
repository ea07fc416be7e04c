#ifndef MIZAN_CLIBPQ_SHIM_H
#define MIZAN_CLIBPQ_SHIM_H
// libpq's types come from its header; its functions are loaded with dlopen on first use (mizan_pq_load),
// so a run on SQLite never maps libpq and its Kerberos/LDAP/SASL dependencies (about 0.7 MiB of resident
// memory and start-up time for every process). Swift calls the mizan_PQ* wrappers below, never PQ* directly:
// the module does not link libpq, so a direct call fails to link.
#include <postgresql/libpq-fe.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#define MIZAN_PQ_FUNCTIONS(X) \
    X(PGconn *, PQconnectdb, (const char *conninfo), (conninfo)) \
    X(ConnStatusType, PQstatus, (const PGconn *conn), (conn)) \
    X(void, PQfinish, (PGconn *conn), (conn)) \
    X(void, PQreset, (PGconn *conn), (conn)) \
    X(char *, PQerrorMessage, (const PGconn *conn), (conn)) \
    X(PGresult *, PQexec, (PGconn *conn, const char *query), (conn, query)) \
    X(PGresult *, PQprepare, (PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes), \
      (conn, stmtName, query, nParams, paramTypes)) \
    X(PGresult *, PQexecPrepared, (PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues, \
      const int *paramLengths, const int *paramFormats, int resultFormat), \
      (conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat)) \
    X(void, PQclear, (PGresult *res), (res)) \
    X(ExecStatusType, PQresultStatus, (const PGresult *res), (res)) \
    X(char *, PQresultErrorMessage, (const PGresult *res), (res)) \
    X(int, PQntuples, (const PGresult *res), (res)) \
    X(int, PQnfields, (const PGresult *res), (res)) \
    X(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num)) \
    X(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    X(int, PQgetlength, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    X(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *conn, PQnoticeProcessor proc, void *arg), (conn, proc, arg))

/// The libpq functions mizan uses, resolved by mizan_pq_load.
typedef struct {
#define MIZAN_PQ_FIELD(ret, name, params, args) ret (*name) params;
    MIZAN_PQ_FUNCTIONS(MIZAN_PQ_FIELD)
#undef MIZAN_PQ_FIELD
    const char *error;
} mizan_pq_api;

/// The table (a function-local static: Swift does not emit storage for header-level static variables).
static inline mizan_pq_api *mizan_pq_state(void) {
    static mizan_pq_api table;
    return &table;
}

static void mizan_pq_resolve(void) {
    mizan_pq_api *t = mizan_pq_state();
    void *lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libpq.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { t->error = dlerror(); return; }
#define MIZAN_PQ_RESOLVE(ret, name, params, args) \
    t->name = (ret (*) params) dlsym(lib, #name); \
    if (!t->name) { t->error = "libpq lacks " #name; return; }
    MIZAN_PQ_FUNCTIONS(MIZAN_PQ_RESOLVE)
#undef MIZAN_PQ_RESOLVE
}

/// Loads libpq once; NULL when it worked, else why not (e.g. libpq.so.5 missing).
static inline const char *mizan_pq_load(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, mizan_pq_resolve);
    return mizan_pq_state()->error;
}

/// The resolved table. Every wrapper goes through this: these header functions are copied into each object file
/// that uses them (internal linkage), each copy with its own table, so each copy must load its own. Without it,
/// an optimised build that inlines a wrapper into another file sees a table that is never filled, calls a null
/// pointer, and the optimiser drops the call as undefined behaviour.
static inline const mizan_pq_api *mizan_pq(void) {
    (void)mizan_pq_load();
    return mizan_pq_state();
}

#define MIZAN_PQ_WRAPPER(ret, name, params, args) static inline ret mizan_##name params { return mizan_pq()->name args; }
MIZAN_PQ_FUNCTIONS(MIZAN_PQ_WRAPPER)
#undef MIZAN_PQ_WRAPPER

/// A notice processor that drops server notices (libpq prints them to stderr by default).
static void mizan_pq_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }

/// Installs `mizan_pq_ignore_notice` on a connection.
static inline void mizan_pq_silence_notices(PGconn *conn) { mizan_PQsetNoticeProcessor(conn, mizan_pq_ignore_notice, 0); }

#endif
