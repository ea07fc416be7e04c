#ifndef MIZAN_LIBPQ_LOADER_H
#define MIZAN_LIBPQ_LOADER_H
// The libpq functions mizan uses, loaded with dlopen on first use; implemented once in ../libpq_loader.c
// (see its header comment for why). libpq's types and constants come from its own header (Debian libpq-dev
// puts it in /usr/include/postgresql); the module does not link libpq, so Swift calls the mizan_PQ*
// functions below, never PQ* directly (a direct call fails to link).
#include <postgresql/libpq-fe.h>

/// Loads libpq once (thread-safe); NULL when it worked, else why not (e.g. libpq.so.5 missing).
/// Call it, and check the result, before any mizan_PQ* function: those require a loaded libpq.
const char *mizan_pq_load(void);

/// libpq's PQconnectdb.
PGconn *mizan_PQconnectdb(const char *conninfo);
/// libpq's PQstatus.
ConnStatusType mizan_PQstatus(const PGconn *conn);
/// libpq's PQfinish.
void mizan_PQfinish(PGconn *conn);
/// libpq's PQreset.
void mizan_PQreset(PGconn *conn);
/// libpq's PQerrorMessage.
char *mizan_PQerrorMessage(const PGconn *conn);
/// libpq's PQexec.
PGresult *mizan_PQexec(PGconn *conn, const char *query);
/// libpq's PQprepare.
PGresult *mizan_PQprepare(PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes);
/// libpq's PQexecPrepared.
PGresult *mizan_PQexecPrepared(PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues,
                               const int *paramLengths, const int *paramFormats, int resultFormat);
/// libpq's PQclear.
void mizan_PQclear(PGresult *res);
/// libpq's PQresultStatus.
ExecStatusType mizan_PQresultStatus(const PGresult *res);
/// libpq's PQresultErrorMessage.
char *mizan_PQresultErrorMessage(const PGresult *res);
/// libpq's PQresultErrorField (e.g. PG_DIAG_SQLSTATE, the error's five-character code).
char *mizan_PQresultErrorField(const PGresult *res, int fieldcode);
/// libpq's PQntuples.
int mizan_PQntuples(const PGresult *res);
/// libpq's PQnfields.
int mizan_PQnfields(const PGresult *res);
/// libpq's PQftype.
Oid mizan_PQftype(const PGresult *res, int field_num);
/// libpq's PQgetisnull.
int mizan_PQgetisnull(const PGresult *res, int tup_num, int field_num);
/// libpq's PQgetlength.
int mizan_PQgetlength(const PGresult *res, int tup_num, int field_num);
/// libpq's PQgetvalue.
char *mizan_PQgetvalue(const PGresult *res, int tup_num, int field_num);
/// libpq's PQsetNoticeProcessor.
PQnoticeProcessor mizan_PQsetNoticeProcessor(PGconn *conn, PQnoticeProcessor proc, void *arg);

/// Makes a connection drop server notices (libpq prints them to stderr by default).
void mizan_pq_silence_notices(PGconn *conn);

#endif
