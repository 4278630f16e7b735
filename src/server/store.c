/* store.c - the service's SQLite store (see store.h).
 *
 * Connections: SQLite connections must not be used by two threads at once,
 * so the store keeps a pool: a call takes a free connection (opening a new one
 * when none is free) and gives it back when done.  The pool never grows past
 * the number of threads that call at the same time (the HTTP worker pool), so
 * in effect there is one connection per thread; pn__store_close closes all.
 *
 * Writes: SQLite has one writer at a time.  Writers of this process queue on
 * a mutex (no busy-handler sleeping between our own threads); another process
 * on the same file (`paraneo db migrate`, a second server) is handled by
 * BEGIN IMMEDIATE, busy_timeout and retrying the whole transaction.
 *
 * Durability: WAL with synchronous=FULL, so a commit has reached the disk
 * before pn__store_put_evaluation returns 0. */
#define _POSIX_C_SOURCE 200809L
#include "server/store.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/buf.h"
#include "util/date.h"
#include "util/jsondump.h"

/* ---- schema ------------------------------------------------------------ */

/* "PNEO": marks the file as a paraneo store, so that a stranger's SQLite
 * database is refused rather than migrated. */
#define PN_STORE_APP_ID 0x504e454f

/* Migration N (1-based) is migrations[N-1].  Append only: never edit one
 * that has shipped, a file migrated by it would not be migrated again. */
static const char *const migrations[] = {
    /* 1: evaluations, CDS Hooks feedback, re-screening reminders */
    "CREATE TABLE schema_migrations(\n"
    "  version INTEGER PRIMARY KEY,\n"
    "  applied TEXT NOT NULL);\n"
    "CREATE TABLE evaluations(\n"
    "  id TEXT PRIMARY KEY NOT NULL,\n"
    "  created TEXT NOT NULL,\n"
    "  origin TEXT NOT NULL,\n"
    "  case_id TEXT,\n"
    "  case_digest TEXT NOT NULL,\n"
    "  kb_digest TEXT NOT NULL,\n"
    "  report TEXT NOT NULL,\n"
    "  case_json TEXT);\n"
    "CREATE TABLE feedback(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  created TEXT NOT NULL,\n"
    "  service TEXT NOT NULL,\n"
    "  body TEXT NOT NULL);\n"
    "CREATE TABLE followups(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  evaluation TEXT NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,\n"
    "  case_id TEXT,\n"
    "  due TEXT NOT NULL,\n"
    "  due_latest TEXT,\n"
    "  until TEXT);\n"
    /* (due) also holds the rowid, so "ORDER BY due, id" reads the index */
    "CREATE INDEX followups_due ON followups(due);\n"
    /* foreign-key checks and cascades look children up by parent */
    "CREATE INDEX followups_evaluation ON followups(evaluation);\n",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

/* ---- prepared statements -------------------------------------------------- */

enum {
    ST_PUT_EVAL,
    ST_PUT_FOLLOWUP,
    ST_GET_EVAL,
    ST_FOLLOWUPS,
    ST_PUT_FEEDBACK,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_PUT_EVAL] = "INSERT INTO evaluations(id, created, origin, case_id, case_digest, kb_digest,"
                    " report, case_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_PUT_FOLLOWUP] = "INSERT INTO followups(evaluation, case_id, due, due_latest, until)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_GET_EVAL] = "SELECT id, created, origin, case_id, case_digest, kb_digest, report, case_json"
                    " FROM evaluations WHERE id = ?1",
    [ST_FOLLOWUPS] = "SELECT f.evaluation, f.case_id, f.due, f.due_latest, f.until, e.created"
                     " FROM followups f JOIN evaluations e ON e.id = f.evaluation"
                     " WHERE f.due <= ?1 ORDER BY f.due, f.id",
    [ST_PUT_FEEDBACK] = "INSERT INTO feedback(created, service, body) VALUES (?1, ?2, ?3)",
};

typedef struct pn_conn {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT]; /* prepared on first use */
    struct pn_conn *next_free;
    struct pn_conn *next_all;
} pn_conn;

struct pn_store {
    char *path;
    pthread_mutex_t pool_mu;  /* guards free_list and all */
    pthread_mutex_t write_mu; /* one writer of this process at a time */
    pn_conn *free_list;
    pn_conn *all;
    int version_before, version_now;
    /* Group commit: evaluations waiting for the next transaction, and
     * whether a thread is committing one now (see put_grouped). */
    pthread_mutex_t group_mu;
    pthread_cond_t group_cv;
    struct pending *queue, **queue_tail;
    bool committing;
};

#define BUSY_TIMEOUT_MS 2000
#define WRITE_ATTEMPTS 5
#define MAX_DOC_BYTES ((size_t)256 << 20)

/* ---- small helpers ------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "2026-05-01T10:00:00.123Z" */
static void now_iso(char out[40])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%03uZ", (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

/* A random (version 4) UUID from the OpenSSL CSPRNG: ids are not guessable. */
static int uuid_v4(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static bool is_busy(int rc)
{
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* An integer PRAGMA's value; SQLite's result code on failure. */
static int pragma_int(sqlite3 *db, const char *sql, int *value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *value = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            *value = 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int table_count(sqlite3 *db, int *n)
{
    return pragma_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", n);
}

/* ---- connections -------------------------------------------------------- */

static void conn_free(pn_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    free(c);
}

static int conn_open(const char *path, pn_conn **out, char *err, size_t errlen)
{
    pn_conn *c = calloc(1, sizeof *c);
    if (!c)
        return fail(err, errlen, "%s: out of memory", path);
    /* NOMUTEX: a pooled connection is only ever used by one thread at a time
     * (the pool mutex hands it over), so SQLite's own locking is not needed. */
    int rc = sqlite3_open_v2(path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        fail(err, errlen, "%s: cannot open: %s", path,
             c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        conn_free(c);
        return -1;
    }
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    /* synchronous=FULL: in WAL mode the log is synced at every commit, so a
     * committed evaluation survives a crash of the process or the machine.
     * journal_size_limit: the WAL is truncated back after a burst. */
    rc = sqlite3_exec(c->db,
                      "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
                      " PRAGMA journal_size_limit = 67108864;",
                      NULL, NULL, NULL);
    int tables = 0;
    if (rc == SQLITE_OK)
        rc = table_count(c->db, &tables); /* opens the file: SQLite opens lazily */
    if (rc != SQLITE_OK) {
        fail(err, errlen, "%s: %s%s", path, sqlite3_errmsg(c->db),
             (rc & 0xff) == SQLITE_READONLY
                 ? " (the store needs write access to the file and its directory)"
                 : "");
        conn_free(c);
        return -1;
    }
    /* READWRITE silently falls back to read-only on a write-protected file:
     * say so now rather than at the first evaluation. */
    if (sqlite3_db_readonly(c->db, "main") == 1) {
        fail(err, errlen, "%s: cannot write to the file (permissions or read-only file system)",
             path);
        conn_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

static sqlite3_stmt *conn_stmt(pn_conn *c, int which, char *err, size_t errlen)
{
    if (!c->st[which] &&
        sqlite3_prepare_v3(c->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &c->st[which],
                           NULL) != SQLITE_OK) {
        fail(err, errlen, "store: cannot prepare a statement: %s", sqlite3_errmsg(c->db));
        return NULL;
    }
    return c->st[which];
}

/* Every bound value is released here, before the caller's buffers go away:
 * that is what makes binding with SQLITE_STATIC safe below. */
static void stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static pn_conn *conn_get(pn_store *s, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->pool_mu);
    pn_conn *c = s->free_list;
    if (c)
        s->free_list = c->next_free;
    pthread_mutex_unlock(&s->pool_mu);
    if (c)
        return c;
    /* opened outside the lock: opening touches the file system */
    if (conn_open(s->path, &c, err, errlen) != 0)
        return NULL;
    pthread_mutex_lock(&s->pool_mu);
    c->next_all = s->all;
    s->all = c;
    pthread_mutex_unlock(&s->pool_mu);
    return c;
}

static void conn_put(pn_store *s, pn_conn *c)
{
    pthread_mutex_lock(&s->pool_mu);
    c->next_free = s->free_list;
    s->free_list = c;
    pthread_mutex_unlock(&s->pool_mu);
}

/* ---- write transactions ---------------------------------------------------- */

/* The body of a write transaction: an SQLite result code; on an error other
 * than SQLITE_BUSY it has filled err. */
typedef int (*tx_body)(pn_conn *c, void *ctx, char *err, size_t errlen);

/* Runs body between BEGIN IMMEDIATE and COMMIT.  IMMEDIATE takes the write
 * lock up front, so a busy database shows at BEGIN (after busy_timeout) and
 * never half way; the whole transaction is then retried. */
static int write_tx(pn_store *s, pn_conn *c, tx_body body, void *ctx, char *err, size_t errlen)
{
    int result = -1;
    pthread_mutex_lock(&s->write_mu);
    for (int attempt = 1;; attempt++) {
        bool filled = false;
        int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK) {
            rc = body(c, ctx, err, errlen);
            filled = rc != SQLITE_OK && !is_busy(rc);
            if (rc == SQLITE_OK) {
                rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
                filled = false;
            }
        }
        if (rc == SQLITE_OK) {
            result = 0;
            break;
        }
        if (!filled)
            fail(err, errlen, "%s: %s", s->path, sqlite3_errmsg(c->db));
        if (!sqlite3_get_autocommit(c->db))
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        if (!is_busy(rc))
            break;
        if (attempt == WRITE_ATTEMPTS) {
            fail(err, errlen, "%s: the database stayed locked by another process (%d attempts of %d ms)",
                 s->path, WRITE_ATTEMPTS, BUSY_TIMEOUT_MS);
            break;
        }
        sleep_ms(10L * attempt);
    }
    pthread_mutex_unlock(&s->write_mu);
    return result;
}

/* ---- open, migrate, close ------------------------------------------------- */

/* Refuses what this code must not touch: not SQLite, another application's
 * database, a schema from a newer paraneo. */
static int check_identity(sqlite3 *db, const char *path, int *version, char *err, size_t errlen)
{
    int app = 0, tables = 0;
    int rc = pragma_int(db, "PRAGMA user_version", version);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = table_count(db, &tables);
    if (rc != SQLITE_OK)
        return fail(err, errlen, "%s: cannot read the store: %s", path, sqlite3_errmsg(db));
    if (app != 0 && app != PN_STORE_APP_ID)
        return fail(err, errlen, "%s: an SQLite database of another application (application_id %d), "
                    "not a paraneo store", path, app);
    if (app == 0 && (*version != 0 || tables != 0))
        return fail(err, errlen, "%s: an SQLite database with %d tables that is not a paraneo store",
                    path, tables);
    if (*version > N_MIGRATIONS)
        return fail(err, errlen, "%s: schema version %d is newer than this paraneo knows (%d); "
                    "use a newer paraneo with this file", path, *version, N_MIGRATIONS);
    if (*version < 0)
        return fail(err, errlen, "%s: invalid schema version %d", path, *version);
    return 0;
}

typedef struct migrate_ctx {
    const char *path;
    int before, after;
} migrate_ctx;

static int migrate_body(pn_conn *c, void *vctx, char *err, size_t errlen)
{
    migrate_ctx *m = vctx;
    /* read again under the write lock: another process may have migrated */
    int version = 0;
    if (check_identity(c->db, m->path, &version, err, errlen) != 0)
        return SQLITE_ERROR;
    m->before = version;
    char now[40];
    now_iso(now);
    for (int v = version + 1; v <= N_MIGRATIONS; v++) {
        char *errmsg = NULL;
        int rc = sqlite3_exec(c->db, migrations[v - 1], NULL, NULL, &errmsg);
        if (rc != SQLITE_OK) {
            if (!is_busy(rc))
                fail(err, errlen, "%s: migration %d failed: %s", m->path, v,
                     errmsg ? errmsg : sqlite3_errstr(rc));
            sqlite3_free(errmsg);
            return rc;
        }
        char *sql = sqlite3_mprintf("INSERT INTO schema_migrations(version, applied) VALUES (%d, %Q)",
                                    v, now);
        rc = sql ? sqlite3_exec(c->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free(sql);
        if (rc != SQLITE_OK) {
            if (!is_busy(rc))
                fail(err, errlen, "%s: migration %d: %s", m->path, v, sqlite3_errmsg(c->db));
            return rc;
        }
    }
    if (version < N_MIGRATIONS) {
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;",
                 N_MIGRATIONS, PN_STORE_APP_ID);
        int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            if (!is_busy(rc))
                fail(err, errlen, "%s: %s", m->path, sqlite3_errmsg(c->db));
            return rc;
        }
    }
    m->after = N_MIGRATIONS;
    return SQLITE_OK;
}

int pn__store_open(const char *path, pn_store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!path || !*path)
        return fail(err, errlen, "store: no database file given");
    /* every pooled connection must see the same database */
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return fail(err, errlen, "store: \"%s\": give the path of a file", path);
    if (!sqlite3_threadsafe())
        return fail(err, errlen, "store: this SQLite library was built without thread support");
    pn_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return fail(err, errlen, "store: out of memory");
    }
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_mutex_init(&s->group_mu, NULL);
    pthread_cond_init(&s->group_cv, NULL);
    s->queue_tail = &s->queue;
    pn_conn *c = NULL;
    if (conn_open(path, &c, err, errlen) != 0) {
        pn__store_close(s);
        return -1;
    }
    s->all = c;
    int version = 0;
    if (check_identity(c->db, path, &version, err, errlen) != 0) {
        pn__store_close(s);
        return -1;
    }
    /* WAL: readers never block the writer; persistent in the file. */
    sqlite3_stmt *st = NULL;
    const char *mode = NULL;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || strcmp(mode, "wal") != 0) {
        fail(err, errlen, "%s: cannot use WAL mode (%s)", path,
             mode ? mode : sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        pn__store_close(s);
        return -1;
    }
    sqlite3_finalize(st);
    migrate_ctx m = {path, version, version};
    if (version < N_MIGRATIONS && write_tx(s, c, migrate_body, &m, err, errlen) != 0) {
        pn__store_close(s);
        return -1;
    }
    s->version_before = m.before;
    s->version_now = version < N_MIGRATIONS ? m.after : version;
    s->free_list = c;
    *out = s;
    return 0;
}

void pn__store_versions(const pn_store *s, int *before, int *now)
{
    if (before)
        *before = s->version_before;
    if (now)
        *now = s->version_now;
}

void pn__store_close(pn_store *s)
{
    if (!s)
        return;
    pn_conn *c = s->all;
    while (c) {
        pn_conn *next = c->next_all;
        conn_free(c);
        c = next;
    }
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->write_mu);
    pthread_mutex_destroy(&s->group_mu);
    pthread_cond_destroy(&s->group_cv);
    free(s->path);
    free(s);
}

/* ---- evaluations ------------------------------------------------------------ */

typedef struct put_ctx {
    const pn_store_eval *e;
    const char *id, *created;
    const char *next, *next_latest, *until; /* the reminder; next NULL = none */
} put_ctx;

/* Binding: every text bound in this file lives until stmt_done() has run on
 * the statement (caller's strings, our stack buffers, strings inside a json_t
 * decref'd only after the transaction), so SQLITE_STATIC spares SQLite a copy
 * of each report (tens of kB).  SQLITE_TRANSIENT would be needed only for a
 * buffer freed before the step, and there is none. */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int step_insert(pn_conn *c, sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    else if (!is_busy(rc))
        fail(err, errlen, "store: %s: %s", what, sqlite3_errmsg(c->db));
    stmt_done(st);
    return rc;
}

static int put_body(pn_conn *c, void *vctx, char *err, size_t errlen)
{
    put_ctx *p = vctx;
    const pn_store_eval *e = p->e;
    sqlite3_stmt *st = conn_stmt(c, ST_PUT_EVAL, err, errlen);
    if (!st)
        return SQLITE_ERROR;
    int rc = bind_text(st, 1, p->id);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 2, p->created);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 3, e->origin);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 4, e->case_id);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 5, e->case_digest);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 6, e->kb_digest);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 7, e->report_json);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 8, e->case_json);
    if (rc != SQLITE_OK) {
        fail(err, errlen, "store: insert evaluation: %s", sqlite3_errmsg(c->db));
        stmt_done(st);
        return rc;
    }
    rc = step_insert(c, st, "insert evaluation", err, errlen);
    if (rc != SQLITE_OK || !p->next)
        return rc;
    st = conn_stmt(c, ST_PUT_FOLLOWUP, err, errlen);
    if (!st)
        return SQLITE_ERROR;
    rc = bind_text(st, 1, p->id);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 2, e->case_id);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 3, p->next);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 4, p->next_latest);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 5, p->until);
    if (rc != SQLITE_OK) {
        fail(err, errlen, "store: insert follow-up: %s", sqlite3_errmsg(c->db));
        stmt_done(st);
        return rc;
    }
    return step_insert(c, st, "insert follow-up", err, errlen);
}

/* ---- group commit ------------------------------------------------------------
 * With synchronous=FULL every COMMIT waits for the disk.  Evaluations that
 * arrive while one commit is in progress wait in a queue; the first of them
 * to find no commit running takes the whole queue into one transaction.  A
 * caller still returns only after its own row is on disk, but many requests
 * share one sync (the usual group commit of databases). */
typedef struct pending {
    put_ctx *p;
    int result;
    bool done;
    char err[256];
    struct pending *next;
} pending;

static int batch_body(pn_conn *c, void *vctx, char *err, size_t errlen)
{
    for (pending *q = vctx; q; q = q->next) {
        int rc = put_body(c, q->p, err, errlen);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int put_grouped(pn_store *s, put_ctx *p, char *err, size_t errlen)
{
    pending me = {.p = p, .result = -1};
    pthread_mutex_lock(&s->group_mu);
    *s->queue_tail = &me;
    s->queue_tail = &me.next;
    while (!me.done) {
        if (s->committing) {
            pthread_cond_wait(&s->group_cv, &s->group_mu);
            continue;
        }
        pending *batch = s->queue;
        s->queue = NULL;
        s->queue_tail = &s->queue;
        s->committing = true;
        pthread_mutex_unlock(&s->group_mu);

        char berr[256] = "";
        int result = -1;
        pn_conn *c = conn_get(s, berr, sizeof berr);
        if (c) {
            result = write_tx(s, c, batch_body, batch, berr, sizeof berr);
            conn_put(s, c);
        }

        pthread_mutex_lock(&s->group_mu);
        for (pending *q = batch, *next; q; q = next) {
            next = q->next; /* q may be gone once done is seen */
            q->result = result;
            snprintf(q->err, sizeof q->err, "%s", berr);
            q->done = true;
        }
        s->committing = false;
        pthread_cond_broadcast(&s->group_cv);
    }
    pthread_mutex_unlock(&s->group_mu);
    if (me.result != 0)
        fail(err, errlen, "%s", me.err[0] ? me.err : "store: the write failed");
    return me.result;
}

/* report.rescreening.<key>: absent or null, else a real calendar date. */
static int rescreening_date(json_t *r, const char *key, const char **out, char *err, size_t errlen)
{
    json_t *v = json_object_get(r, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    int32_t days;
    if (!json_is_string(v) || !pn__date_parse(json_string_value(v), &days))
        return fail(err, errlen, "report: $.rescreening.%s: expected a date YYYY-MM-DD or null", key);
    *out = json_string_value(v);
    return 0;
}

int pn__store_put_evaluation(pn_store *s, const pn_store_eval *e, char id[37], char *err,
                             size_t errlen)
{
    if (!s || !e || !id)
        return fail(err, errlen, "store: put evaluation: missing argument");
    id[0] = '\0';
    static const struct {
        size_t off;
        const char *name;
    } required[] = {{offsetof(pn_store_eval, case_digest), "case_digest"},
                    {offsetof(pn_store_eval, kb_digest), "kb_digest"},
                    {offsetof(pn_store_eval, report_json), "report_json"},
                    {offsetof(pn_store_eval, origin), "origin"}};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!*(const char *const *)((const char *)e + required[i].off))
            return fail(err, errlen, "store: put evaluation: %s is missing", required[i].name);

    /* The report is parsed only when the caller did not hand over its
     * rescreening part (parsing a 40 KB report costs most of a put). */
    json_t *doc = NULL, *r = NULL;
    if (e->rescreening_given) {
        r = (json_t *)e->rescreening;
    } else {
        json_error_t jerr;
        doc = json_loads(e->report_json, 0, &jerr);
        if (!doc)
            return fail(err, errlen, "report: invalid JSON at line %d column %d: %s", jerr.line,
                        jerr.column, jerr.text);
        r = json_object_get(doc, "rescreening");
    }
    put_ctx p = {.e = e, .id = id};
    int result = -1;
    if (doc && !json_is_object(doc)) {
        fail(err, errlen, "report: $: expected a JSON object");
        goto out;
    }
    if (r && !json_is_null(r) && !json_is_object(r)) {
        fail(err, errlen, "report: $.rescreening: expected an object or null");
        goto out;
    }
    if (json_is_object(r) &&
        (rescreening_date(r, "next", &p.next, err, errlen) != 0 ||
         rescreening_date(r, "next_latest", &p.next_latest, err, errlen) != 0 ||
         rescreening_date(r, "until", &p.until, err, errlen) != 0))
        goto out;
    if (uuid_v4(id) != 0) {
        fail(err, errlen, "store: the random number generator failed");
        goto out;
    }
    char created[40];
    now_iso(created);
    p.created = created;
    result = put_grouped(s, &p, err, errlen);
out:
    json_decref(doc); /* after the transaction: p's strings point into doc */
    if (result != 0)
        id[0] = '\0';
    return result;
}

/* A column as a JSON string or null; false when it is not valid UTF-8. */
static bool set_col(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    json_t *j = v ? json_string(v) : json_null();
    return j && json_object_set_new(o, key, j) == 0;
}

/* True when text is one whole JSON value (what may be spliced in as is). */
static bool is_json(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    json_decref(j);
    return j != NULL;
}

int pn__store_get_evaluation(pn_store *s, const char *id, char **json, char *err, size_t errlen)
{
    *json = NULL;
    if (!s || !id)
        return fail(err, errlen, "store: get evaluation: missing argument");
    pn_conn *c = conn_get(s, err, errlen);
    if (!c)
        return -1;
    sqlite3_stmt *st = conn_stmt(c, ST_GET_EVAL, err, errlen);
    if (!st) {
        conn_put(s, c);
        return -1;
    }
    int result = -1;
    json_t *head = NULL;
    char *head_text = NULL;
    pn_buf b;
    pn__buf_init(&b, MAX_DOC_BYTES);
    int rc = bind_text(st, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        result = 1;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        fail(err, errlen, "store: get evaluation %.40s: %s", id, sqlite3_errmsg(c->db));
        goto out;
    }
    head = json_object();
    if (!head || !set_col(head, "id", st, 0) || !set_col(head, "created", st, 1) ||
        !set_col(head, "origin", st, 2) || !set_col(head, "case_id", st, 3) ||
        !set_col(head, "case_digest", st, 4) || !set_col(head, "kb_digest", st, 5)) {
        fail(err, errlen, "store: evaluation %.40s: a column is not valid UTF-8 (damaged store?)", id);
        goto out;
    }
    const char *report = (const char *)sqlite3_column_text(st, 6);
    const char *case_json = (const char *)sqlite3_column_text(st, 7);
    /* The report is spliced in as stored, not re-serialised: its numbers and
     * key order stay exactly as the engine wrote them.  It was parsed when
     * stored; parsed again here so a damaged row cannot yield broken JSON. */
    if (!report || !is_json(report)) {
        fail(err, errlen, "store: evaluation %.40s: the stored report is not valid JSON (damaged store?)",
             id);
        goto out;
    }
    head_text = pn__json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL);
    if (!head_text) {
        fail(err, errlen, "store: out of memory");
        goto out;
    }
    size_t hl = strlen(head_text); /* ends in '}' */
    pn__buf_add(&b, head_text, hl - 1);
    pn__buf_puts(&b, ",\"report\":");
    pn__buf_puts(&b, report);
    if (case_json) {
        pn__buf_puts(&b, ",\"case\":");
        if (is_json(case_json)) {
            pn__buf_puts(&b, case_json);
        } else { /* not JSON (kept as received): a JSON string */
            json_t *str = json_string(case_json);
            char *q = str ? pn__json_dumps(str, JSON_ENCODE_ANY, NULL) : NULL;
            json_decref(str);
            pn__buf_puts(&b, q ? q : "null");
            free(q);
        }
    }
    pn__buf_puts(&b, "}");
    *json = pn__buf_take(&b);
    if (!*json) {
        fail(err, errlen, "store: evaluation %.40s: out of memory", id);
        goto out;
    }
    result = 0;
out:
    stmt_done(st);
    conn_put(s, c);
    json_decref(head);
    free(head_text);
    pn__buf_free(&b);
    return result;
}

/* ---- follow-ups and feedback ----------------------------------------------- */

int pn__store_followups(pn_store *s, const char *due, char **json, char *err, size_t errlen)
{
    *json = NULL;
    int32_t days;
    if (!s || !due)
        return fail(err, errlen, "store: followups: missing argument");
    if (!pn__date_parse(due, &days))
        return fail(err, errlen, "due: \"%.40s\" is not a calendar date YYYY-MM-DD", due);
    pn_conn *c = conn_get(s, err, errlen);
    if (!c)
        return -1;
    sqlite3_stmt *st = conn_stmt(c, ST_FOLLOWUPS, err, errlen);
    if (!st) {
        conn_put(s, c);
        return -1;
    }
    int result = -1;
    json_t *doc = json_object(), *list = json_array();
    if (!doc || !list || json_object_set_new(doc, "due", json_string(due)) != 0 ||
        json_object_set(doc, "followups", list) != 0) {
        fail(err, errlen, "store: out of memory");
        goto out;
    }
    int rc = bind_text(st, 1, due);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *f = json_object();
        if (!f || json_array_append_new(list, f) != 0 || !set_col(f, "evaluation", st, 0) ||
            !set_col(f, "case_id", st, 1) || !set_col(f, "due", st, 2) ||
            !set_col(f, "due_latest", st, 3) || !set_col(f, "until", st, 4) ||
            !set_col(f, "created", st, 5)) {
            fail(err, errlen, "store: followups: a column is not valid UTF-8 (damaged store?)");
            goto out;
        }
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
        fail(err, errlen, "store: followups: %s", sqlite3_errmsg(c->db));
        goto out;
    }
    *json = pn__json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL);
    if (!*json) {
        fail(err, errlen, "store: out of memory");
        goto out;
    }
    result = 0;
out:
    stmt_done(st);
    conn_put(s, c);
    json_decref(list);
    json_decref(doc);
    return result;
}

typedef struct feedback_ctx {
    const char *created, *service, *body;
} feedback_ctx;

static int feedback_body(pn_conn *c, void *vctx, char *err, size_t errlen)
{
    feedback_ctx *f = vctx;
    sqlite3_stmt *st = conn_stmt(c, ST_PUT_FEEDBACK, err, errlen);
    if (!st)
        return SQLITE_ERROR;
    int rc = bind_text(st, 1, f->created);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 2, f->service);
    if (rc == SQLITE_OK)
        rc = bind_text(st, 3, f->body);
    if (rc != SQLITE_OK) {
        fail(err, errlen, "store: insert feedback: %s", sqlite3_errmsg(c->db));
        stmt_done(st);
        return rc;
    }
    return step_insert(c, st, "insert feedback", err, errlen);
}

int pn__store_put_feedback(pn_store *s, const char *service, const char *feedback_json, char *err,
                           size_t errlen)
{
    if (!s || !service || !*service || !feedback_json)
        return fail(err, errlen, "store: put feedback: missing service or document");
    char created[40];
    now_iso(created);
    feedback_ctx f = {created, service, feedback_json};
    pn_conn *c = conn_get(s, err, errlen);
    if (!c)
        return -1;
    int rc = write_tx(s, c, feedback_body, &f, err, errlen);
    conn_put(s, c);
    return rc;
}

/* ---- paraneo db check ------------------------------------------------------- */

/* Prints each row of a check PRAGMA that is not "ok"; the number printed,
 * or -1 when the PRAGMA itself failed (message printed). */
static int check_rows(sqlite3 *db, const char *sql, const char *name, FILE *out)
{
    sqlite3_stmt *st = NULL;
    int problems = 0, rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        if (strcmp(name, "integrity_check") == 0) {
            const char *m = (const char *)sqlite3_column_text(st, 0);
            if (m && strcmp(m, "ok") == 0)
                continue;
            /* one row may hold several lines ("*** in database main ***\n...") */
            for (const char *l = m ? m : "(null)"; *l;) {
                size_t n = strcspn(l, "\n");
                if (n)
                    fprintf(out, "problem: integrity_check: %.*s\n", (int)n, l);
                l += n + (l[n] == '\n');
            }
        } else { /* foreign_key_check: table, rowid, parent, fkid */
            const char *t = (const char *)sqlite3_column_text(st, 0);
            const char *parent = (const char *)sqlite3_column_text(st, 2);
            fprintf(out, "problem: foreign_key_check: %s row %lld refers to a missing row of %s\n",
                    t ? t : "?", (long long)sqlite3_column_int64(st, 1), parent ? parent : "?");
        }
        problems++;
    }
    if (rc != SQLITE_DONE) {
        fprintf(out, "problem: %s: %s\n", name, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    if (problems == 0)
        fprintf(out, "ok %s\n", name);
    return problems;
}

int pn__store_check(const char *path, FILE *out)
{
    struct stat sb;
    if (!path || stat(path, &sb) != 0) {
        fprintf(out, "%s: cannot open: %s\n", path ? path : "(null)", strerror(errno));
        return 2;
    }
    if (!S_ISREG(sb.st_mode)) {
        fprintf(out, "%s: cannot open: not a regular file\n", path);
        return 2;
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        fprintf(out, "%s: cannot open: %s\n", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return 2;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int problems = 0, version = 0, app = 0, tables = 0;
    rc = pragma_int(db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "PRAGMA application_id", &app);
    if (rc == SQLITE_OK)
        rc = table_count(db, &tables);
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_NOTADB && (rc & 0xff) != SQLITE_CORRUPT) {
        /* e.g. a WAL file whose directory we may not write (for the -shm) */
        fprintf(out, "%s: cannot open: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 2;
    }
    if (rc != SQLITE_OK) {
        /* garbage, or a header damaged beyond recognition */
        fprintf(out, "problem: %s: %s\n", path, sqlite3_errmsg(db));
        fprintf(out, "damaged: not a readable SQLite database\n");
        sqlite3_close(db);
        return 1;
    }
    int n = check_rows(db, "PRAGMA integrity_check(100)", "integrity_check", out);
    problems += n < 0 ? 1 : n;
    n = check_rows(db, "PRAGMA foreign_key_check", "foreign_key_check", out);
    problems += n < 0 ? 1 : n;
    if (app != PN_STORE_APP_ID || version == 0) {
        fprintf(out, "problem: not a paraneo store (application_id %d, schema version %d, %d tables)\n",
                app, version, tables);
        problems++;
    } else {
        fprintf(out, "schema version %d (this paraneo knows %d)%s\n", version, N_MIGRATIONS,
                version > N_MIGRATIONS   ? ": newer, use a newer paraneo with this file"
                : version < N_MIGRATIONS ? ": older, `paraneo db migrate` updates it"
                                         : "");
    }
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db,
                            "SELECT name FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                            -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        const char *name = (const char *)sqlite3_column_text(st, 0);
        char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", name ? name : "");
        sqlite3_stmt *cs = NULL;
        int crc = sql ? sqlite3_prepare_v2(db, sql, -1, &cs, NULL) : SQLITE_NOMEM;
        if (crc == SQLITE_OK && (crc = sqlite3_step(cs)) == SQLITE_ROW)
            fprintf(out, "rows %s %lld\n", name, (long long)sqlite3_column_int64(cs, 0));
        else {
            fprintf(out, "problem: rows %s: %s\n", name ? name : "?", sqlite3_errmsg(db));
            problems++;
        }
        sqlite3_finalize(cs);
        sqlite3_free(sql);
    }
    if (rc != SQLITE_DONE) {
        fprintf(out, "problem: listing tables: %s\n", sqlite3_errmsg(db));
        problems++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (problems) {
        fprintf(out, "damaged: %d problem%s\n", problems, problems == 1 ? "" : "s");
        return 1;
    }
    fprintf(out, "clean\n");
    return 0;
}
