/* store.h - the service's SQLite store: evaluations, CDS Hooks feedback and
 * re-screening reminders, in WAL mode with numbered schema migrations.
 *
 * Thread safety: every function may be called from any number of threads at
 * once (the HTTP server's worker pool); the store keeps one connection per
 * thread.  An evaluation is durable when pn__store_put_evaluation returns 0
 * (the caller acknowledges it to the client only then). */
#ifndef PN_SERVER_STORE_H
#define PN_SERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

typedef struct pn_store pn_store;

/* One evaluation to keep.  case_json is NULL unless the service was started
 * with --store-cases (raw patient data is not kept by default). */
typedef struct pn_store_eval {
    const char *case_id;     /* the case's own id, may be NULL */
    const char *case_digest; /* "sha256:<hex>" of the request body */
    const char *kb_digest;   /* pn_kb_digest() */
    const char *report_json; /* report/1 document */
    const char *case_json;   /* NULL unless --store-cases */
    const char *origin;      /* "rest" or "cds" */
    /* The report's "rescreening" member (borrowed, may be NULL) when the
     * caller has it at hand; otherwise the store parses report_json. */
    bool rescreening_given;
    const json_t *rescreening;
} pn_store_eval;

/* Opens (creating when absent) the store at path, sets WAL mode and applies
 * every pending migration.  0 on success; -1 with a message in err. */
int pn__store_open(const char *path, pn_store **out, char *err, size_t errlen);
void pn__store_close(pn_store *s);

/* The schema version the file had when opened (0 for a new file) and the one
 * it has now, after the migrations (`paraneo db migrate`, tests). */
void pn__store_versions(const pn_store *s, int *before, int *now);

/* Stores an evaluation and the re-screening reminders its report gives
 * (report.rescreening: next, next_latest, until).  Writes a new id (a
 * 36-character UUID v4) into id.  0 on success; -1 with err. */
int pn__store_put_evaluation(pn_store *s, const pn_store_eval *e, char id[37], char *err,
                             size_t errlen);

/* The stored evaluation as a malloc'd JSON document
 * {"id","created","origin","case_id","case_digest","kb_digest","report":{...}}
 * (plus "case" when kept).  0 found, 1 not found, -1 error (err filled). */
int pn__store_get_evaluation(pn_store *s, const char *id, char **json, char *err, size_t errlen);

/* Re-screening reminders due on or before due ("YYYY-MM-DD"), as a malloc'd
 * JSON document {"due": "...", "followups": [{"evaluation","case_id","due",
 * "due_latest","until","created"}...]}.  0 on success; -1 with err. */
int pn__store_followups(pn_store *s, const char *due, char **json, char *err, size_t errlen);

/* Keeps one CDS Hooks feedback document (already validated JSON text) for
 * service.  0 on success; -1 with err. */
int pn__store_put_feedback(pn_store *s, const char *service, const char *feedback_json, char *err,
                           size_t errlen);

/* `paraneo db check`: opens the file read-only, runs PRAGMA integrity_check
 * and foreign_key_check, prints the schema version and row counts to out.
 * Returns 0 when clean, 1 when damaged, 2 when the file cannot be opened. */
int pn__store_check(const char *path, FILE *out);

#endif
