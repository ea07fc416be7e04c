// mizan's libpq loader: one C translation unit that opens libpq with dlopen the first time a PostgreSQL
// store is used, resolves the functions mizan calls into one table, and exports a mizan_PQ* function for
// each (declared in include/libpq_loader.h, called from Sources/MizanStore/PostgresConnection.swift).
//
// Why dlopen: a run on SQLite then never maps libpq and its Kerberos/LDAP/SASL dependencies (about 0.7 MiB
// of resident memory and start-up time for every process), and a machine without libpq5 can still use
// SQLite (a missing libpq is a clear error only when a PostgreSQL store is opened). The binary does not
// link libpq (`ldd mizan` lists no libpq); only libpq's header is used, for its types and constants.
//
// Why a .c file: the loader used to be static inline functions in a header that Swift compiled into every
// object file that included it, each copy with its own mizan_pq_table. An optimised build inlined a wrapper whose
// table was never filled, called a null pointer, and the optimiser dropped the call as undefined behaviour
// (PostgreSQL migrations silently did not run). Here the table, the pthread_once guard and every wrapper
// exist exactly once in the program, with external linkage, so every caller shares the one loaded mizan_pq_table.
#include "libpq_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

// Each libpq function mizan uses: return type, name, parameter list, argument list. MIZAN_PQ_WRAPPED
// get a generated mizan_PQ* wrapper; PQfinish's wrapper is written out below.
#define MIZAN_PQ_FUNCTIONS(X) \
    X(void, PQfinish, (PGconn *conn), (conn)) \
    MIZAN_PQ_WRAPPED(X)
#define MIZAN_PQ_WRAPPED(X) \
    X(PGconn *, PQconnectdb, (const char *conninfo), (conninfo)) \
    X(ConnStatusType, PQstatus, (const PGconn *conn), (conn)) \
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
    X(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode)) \
    X(int, PQntuples, (const PGresult *res), (res)) \
    X(int, PQnfields, (const PGresult *res), (res)) \
    X(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num)) \
    X(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    X(int, PQgetlength, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    X(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num)) \
    X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *conn, PQnoticeProcessor proc, void *arg), (conn, proc, arg))

// The resolved functions (the program's only copy), and why loading failed (NULL when it worked). The
// distinctive names let scripts/release-smoke count the copies in the binary (`nm`): there must be one.
static struct {
#define MIZAN_PQ_FIELD(ret, name, params, args) ret (*name) params;
    MIZAN_PQ_FUNCTIONS(MIZAN_PQ_FIELD)
#undef MIZAN_PQ_FIELD
    const char *error;
} mizan_pq_table;

static pthread_once_t mizan_pq_once = PTHREAD_ONCE_INIT;

// Runs once (under `mizan_pq_once`): opens libpq and fills `mizan_pq_table`, or sets its error.
static void resolve(void) {
    void *lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libpq.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { mizan_pq_table.error = dlerror(); return; }
#define MIZAN_PQ_RESOLVE(ret, name, params, args) \
    mizan_pq_table.name = (ret (*) params) dlsym(lib, #name); \
    if (!mizan_pq_table.name) { mizan_pq_table.error = "libpq lacks " #name; return; }
    MIZAN_PQ_FUNCTIONS(MIZAN_PQ_RESOLVE)
#undef MIZAN_PQ_RESOLVE
}

const char *mizan_pq_load(void) {
    pthread_once(&mizan_pq_once, resolve);
    return mizan_pq_table.error;
}

// Each wrapper calls through the one table; callers have checked mizan_pq_load() first.
#define MIZAN_PQ_WRAPPER(ret, name, params, args) ret mizan_##name params { return mizan_pq_table.name args; }
MIZAN_PQ_WRAPPED(MIZAN_PQ_WRAPPER)
#undef MIZAN_PQ_WRAPPER

// Like libpq's PQfinish, a no-op on NULL, and callable when libpq failed to load: PostgresConnection's deinit
// runs even when its init threw because libpq is missing, and must not call a null pointer then.
void mizan_PQfinish(PGconn *conn) {
    if (conn) mizan_pq_table.PQfinish(conn);
}

// A notice processor that drops server notices.
static void ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }

void mizan_pq_silence_notices(PGconn *conn) { mizan_PQsetNoticeProcessor(conn, ignore_notice, NULL); }
