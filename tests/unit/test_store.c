/* test_store.c - the service's SQLite store: migrations, evaluations,
 * re-screening reminders, feedback, concurrency, `db check`. */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

#include "server/store.h"

typedef struct fx {
    char dir[64];
    char path[128];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/pn-store-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static pn_store *open_ok(const char *path)
{
    pn_store *s = NULL;
    char err[512] = "";
    int rc = pn__store_open(path, &s, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "open: %s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

/* A report/1-shaped document; rescreening is inserted as given ("" = none). */
static char *report_with(const char *rescreening)
{
    char *r = malloc(1024);
    snprintf(r, 1024,
             "{\"paraneo\":\"report/1\",\"case_id\":\"c1\",\"score\":0.125,"
             "\"differential\":[{\"id\":\"lambert-eaton\",\"p\":0.3333333}]%s%s}",
             *rescreening ? ",\"rescreening\":" : "", rescreening);
    return r;
}

static void put_ok(pn_store *s, const char *case_id, const char *report, const char *case_json,
                   char id[37])
{
    pn_store_eval e = {.case_id = case_id,
                       .case_digest = "sha256:00ff",
                       .kb_digest = "sha256:abcd",
                       .report_json = report,
                       .case_json = case_json,
                       .origin = "rest"};
    char err[512] = "";
    int rc = pn__store_put_evaluation(s, &e, id, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "put: %s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(strlen(id), 36);
}

static json_t *followups(pn_store *s, const char *due)
{
    char *out = NULL, err[512] = "";
    int rc = pn__store_followups(s, due, &out, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "followups: %s\n", err);
    assert_int_equal(rc, 0);
    json_t *doc = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "due")), due);
    return doc;
}

static int sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int check_quiet(const char *path, char *buf, size_t len)
{
    FILE *out = tmpfile();
    assert_non_null(out);
    int rc = pn__store_check(path, out);
    rewind(out);
    size_t n = fread(buf, 1, len - 1, out);
    buf[n] = '\0';
    fclose(out);
    return rc;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_open_creates(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    int before = -1, now = -1;
    pn__store_versions(s, &before, &now);
    assert_int_equal(before, 0);
    assert_true(now >= 1);
    pn__store_close(s);
    assert_int_equal(access(f->path, F_OK), 0);
    assert_int_equal(sql_int(f->path, "PRAGMA user_version"), now);
    sqlite3 *db = NULL;
    sqlite3_open(f->path, &db);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_put_get_roundtrip(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    char *report = report_with("{\"next\":\"2026-07-01\",\"next_latest\":\"2026-09-01\","
                               "\"until\":\"2029-01-01\",\"interval_months\":6}");
    char id[37], id2[37];
    put_ok(s, "case-1", report, NULL, id);
    /* a UUID v4: version nibble 4, variant 10xx */
    assert_int_equal(id[8], '-');
    assert_int_equal(id[14], '4');
    assert_non_null(strchr("89ab", id[19]));
    put_ok(s, NULL, report, "{\"paraneo\":\"case/1\",\"id\":\"x\"}", id2);
    assert_string_not_equal(id, id2);

    char *out = NULL, err[512] = "";
    assert_int_equal(pn__store_get_evaluation(s, id, &out, err, sizeof err), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    /* the report is spliced verbatim: numbers keep the engine's formatting */
    assert_non_null(strstr(out, "\"score\":0.125"));
    assert_non_null(strstr(out, "\"p\":0.3333333}"));
    free(out);
    assert_string_equal(json_string_value(json_object_get(doc, "id")), id);
    assert_string_equal(json_string_value(json_object_get(doc, "origin")), "rest");
    assert_string_equal(json_string_value(json_object_get(doc, "case_id")), "case-1");
    assert_string_equal(json_string_value(json_object_get(doc, "case_digest")), "sha256:00ff");
    assert_string_equal(json_string_value(json_object_get(doc, "kb_digest")), "sha256:abcd");
    const char *created = json_string_value(json_object_get(doc, "created"));
    assert_non_null(created);
    assert_int_equal(strlen(created), 24); /* 2026-05-01T10:00:00.123Z */
    assert_int_equal(created[10], 'T');
    assert_int_equal(created[23], 'Z');
    json_t *rep = json_object_get(doc, "report");
    assert_true(json_is_object(rep));
    json_t *want = json_loads(report, 0, NULL);
    assert_true(json_equal(rep, want));
    json_decref(want);
    assert_null(json_object_get(doc, "case"));
    json_decref(doc);

    assert_int_equal(pn__store_get_evaluation(s, id2, &out, err, sizeof err), 0);
    doc = json_loads(out, 0, NULL);
    free(out);
    assert_true(json_is_null(json_object_get(doc, "case_id")));
    json_t *c = json_object_get(doc, "case");
    assert_true(json_is_object(c));
    assert_string_equal(json_string_value(json_object_get(c, "id")), "x");
    json_decref(doc);
    free(report);

    /* kept case text that is not one JSON value comes back as a string */
    char *plain = report_with("");
    char id3[37];
    put_ok(s, NULL, plain, "{\"a\":1}\n{\"b\":2}\n", id3);
    assert_int_equal(pn__store_get_evaluation(s, id3, &out, err, sizeof err), 0);
    doc = json_loads(out, 0, NULL);
    free(out);
    assert_string_equal(json_string_value(json_object_get(doc, "case")), "{\"a\":1}\n{\"b\":2}\n");
    json_decref(doc);
    free(plain);
    pn__store_close(s);
}

static void test_not_found(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    char *out = (char *)"untouched", err[512] = "";
    assert_int_equal(
        pn__store_get_evaluation(s, "00000000-0000-4000-8000-000000000000", &out, err, sizeof err), 1);
    assert_null(out);
    assert_int_equal(pn__store_get_evaluation(s, "'; DROP TABLE evaluations; --", &out, err,
                                              sizeof err),
                     1);
    pn__store_close(s);
}

static void test_followups_due(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    const char *dues[] = {"2026-03-01", "2026-01-15", "2026-02-01", "2026-01-15"};
    char ids[4][37];
    for (int i = 0; i < 4; i++) {
        char resc[160];
        snprintf(resc, sizeof resc, "{\"next\":\"%s\",\"until\":\"2030-01-01\"}", dues[i]);
        char *r = report_with(resc);
        char cid[24];
        snprintf(cid, sizeof cid, "case-%d", i);
        put_ok(s, cid, r, NULL, ids[i]);
        free(r);
    }
    json_t *doc = followups(s, "2025-12-31");
    assert_int_equal(json_array_size(json_object_get(doc, "followups")), 0);
    json_decref(doc);

    doc = followups(s, "2026-02-01");
    json_t *list = json_object_get(doc, "followups");
    assert_int_equal(json_array_size(list), 3);
    /* by due, then in the order stored */
    const int order[] = {1, 3, 2};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(list, i);
        assert_string_equal(json_string_value(json_object_get(e, "evaluation")), ids[order[i]]);
        assert_string_equal(json_string_value(json_object_get(e, "due")), dues[order[i]]);
        char cid[24];
        snprintf(cid, sizeof cid, "case-%d", order[i]);
        assert_string_equal(json_string_value(json_object_get(e, "case_id")), cid);
        assert_true(json_is_null(json_object_get(e, "due_latest")));
        assert_string_equal(json_string_value(json_object_get(e, "until")), "2030-01-01");
        assert_true(json_is_string(json_object_get(e, "created")));
    }
    json_decref(doc);

    doc = followups(s, "2026-03-01");
    assert_int_equal(json_array_size(json_object_get(doc, "followups")), 4);
    json_decref(doc);
    pn__store_close(s);
}

static void test_no_rescreening_no_reminder(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    const char *variants[] = {"", "null", "{}", "{\"next\":null,\"complete\":true,\"until\":\"2027-01-01\"}"};
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        char *r = report_with(variants[i]);
        char id[37];
        put_ok(s, "c", r, NULL, id);
        free(r);
        char *out = NULL, err[512];
        assert_int_equal(pn__store_get_evaluation(s, id, &out, err, sizeof err), 0);
        free(out);
    }
    json_t *doc = followups(s, "2999-12-31");
    assert_int_equal(json_array_size(json_object_get(doc, "followups")), 0);
    json_decref(doc);
    pn__store_close(s);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM evaluations"), 4);
}

static void test_bad_input_refused(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    const char *bad_dates[] = {"2026-02-30", "2026-1-1", "", "yesterday", "2026-01-01x",
                               "2026-13-01", "20260101", "2026-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof *bad_dates; i++) {
        char *out = NULL, err[512] = "";
        assert_int_equal(pn__store_followups(s, bad_dates[i], &out, err, sizeof err), -1);
        assert_null(out);
        assert_non_null(strstr(err, "YYYY-MM-DD"));
    }
    char id[37], err[512] = "";
    pn_store_eval e = {.case_digest = "sha256:0", .kb_digest = "sha256:1", .origin = "cds"};
    struct {
        const char *report, *want;
    } bad[] = {
        {"{\"paraneo\":", "invalid JSON"},
        {"[1,2]", "expected a JSON object"},
        {"{\"rescreening\":\"soon\"}", "$.rescreening"},
        {"{\"rescreening\":{\"next\":\"2026-02-30\"}}", "$.rescreening.next"},
        {"{\"rescreening\":{\"next\":\"2026-02-01\",\"until\":5}}", "$.rescreening.until"},
        {"{\"rescreening\":{\"next\":\"2026-02-01\",\"next_latest\":\"x\"}}",
         "$.rescreening.next_latest"},
        {NULL, "report_json is missing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e.report_json = bad[i].report;
        err[0] = '\0';
        assert_int_equal(pn__store_put_evaluation(s, &e, id, err, sizeof err), -1);
        if (!strstr(err, bad[i].want))
            fail_msg("\"%s\" does not name \"%s\"", err, bad[i].want);
        assert_string_equal(id, "");
    }
    e.report_json = "{}";
    e.origin = NULL;
    assert_int_equal(pn__store_put_evaluation(s, &e, id, err, sizeof err), -1);
    assert_non_null(strstr(err, "origin"));
    assert_int_equal(pn__store_put_feedback(s, "", "{}", err, sizeof err), -1);
    pn__store_close(s);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM evaluations"), 0);
}

static void test_feedback(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    char err[512] = "";
    assert_int_equal(pn__store_put_feedback(s, "paraneo-pns", "{\"feedback\":[]}", err, sizeof err),
                     0);
    assert_int_equal(pn__store_put_feedback(s, "paraneo-pns", "{\"feedback\":[1]}", err, sizeof err),
                     0);
    pn__store_close(s);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM feedback WHERE service = 'paraneo-pns'"),
                     2);
}

#define N_THREADS 4
#define PER_THREAD 200

typedef struct worker {
    pn_store *s;
    int n;
    char (*ids)[37];
    int failures;
} worker;

static void *put_many(void *arg)
{
    worker *w = arg;
    char *r = report_with("{\"next\":\"2026-06-01\"}");
    for (int i = 0; i < w->n; i++) {
        pn_store_eval e = {.case_id = "t", .case_digest = "sha256:0", .kb_digest = "sha256:1",
                           .report_json = r, .origin = "rest"};
        char err[512];
        if (pn__store_put_evaluation(w->s, &e, w->ids[i], err, sizeof err) != 0) {
            fprintf(stderr, "put: %s\n", err);
            w->failures++;
        }
        /* and a read in between, as the HTTP pool would */
        if (i % 20 == 0) {
            char *out = NULL;
            if (pn__store_get_evaluation(w->s, w->ids[i], &out, err, sizeof err) != 0)
                w->failures++;
            free(out);
        }
    }
    free(r);
    return NULL;
}

static void test_concurrent_puts(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    static char ids[N_THREADS][PER_THREAD][37];
    pthread_t th[N_THREADS];
    worker w[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (worker){s, PER_THREAD, ids[t], 0};
        assert_int_equal(pthread_create(&th[t], NULL, put_many, &w[t]), 0);
    }
    for (int t = 0; t < N_THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(w[t].failures, 0);
    }
    for (int t = 0; t < N_THREADS; t++)
        for (int i = 0; i < PER_THREAD; i++) {
            char *out = NULL, err[512];
            assert_int_equal(pn__store_get_evaluation(s, ids[t][i], &out, err, sizeof err), 0);
            free(out);
        }
    json_t *doc = followups(s, "2026-06-01");
    assert_int_equal(json_array_size(json_object_get(doc, "followups")), N_THREADS * PER_THREAD);
    json_decref(doc);
    pn__store_close(s);
    assert_int_equal(sql_int(f->path, "SELECT count(DISTINCT id) FROM evaluations"),
                     N_THREADS * PER_THREAD);
}

static void test_reopen_migrates_once(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    int before, now;
    pn__store_versions(s, &before, &now);
    char id[37];
    char *r = report_with("");
    put_ok(s, "keep", r, NULL, id);
    free(r);
    pn__store_close(s);
    for (int i = 0; i < 3; i++) {
        s = open_ok(f->path);
        int b2, n2;
        pn__store_versions(s, &b2, &n2);
        assert_int_equal(b2, now);
        assert_int_equal(n2, now);
        pn__store_close(s);
    }
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM schema_migrations"), now);
    assert_int_equal(sql_int(f->path, "SELECT max(version) FROM schema_migrations"), now);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM evaluations"), 1);
}

static void test_newer_schema_refused(void **state)
{
    fx *f = *state;
    pn__store_close(open_ok(f->path));
    sql_exec(f->path, "PRAGMA user_version = 999");
    pn_store *s = NULL;
    char err[512] = "";
    assert_int_equal(pn__store_open(f->path, &s, err, sizeof err), -1);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
    assert_non_null(strstr(err, "999"));
    /* refused means untouched */
    assert_int_equal(sql_int(f->path, "PRAGMA user_version"), 999);
}

static void test_foreign_database_refused(void **state)
{
    fx *f = *state;
    sql_exec(f->path, "CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT)");
    pn_store *s = NULL;
    char err[512] = "";
    assert_int_equal(pn__store_open(f->path, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a paraneo store"));
    char text[4096];
    assert_int_equal(check_quiet(f->path, text, sizeof text), 1);
    assert_non_null(strstr(text, "not a paraneo store"));
}

static void test_db_check(void **state)
{
    fx *f = *state;
    pn_store *s = open_ok(f->path);
    char id[37];
    char *r = report_with("{\"next\":\"2026-06-01\"}");
    put_ok(s, "c", r, NULL, id);
    free(r);
    char text[4096];
    /* while the service has it open (WAL not yet checkpointed) */
    assert_int_equal(check_quiet(f->path, text, sizeof text), 0);
    pn__store_close(s);
    assert_int_equal(check_quiet(f->path, text, sizeof text), 0);
    assert_non_null(strstr(text, "ok integrity_check"));
    assert_non_null(strstr(text, "ok foreign_key_check"));
    assert_non_null(strstr(text, "rows evaluations 1"));
    assert_non_null(strstr(text, "rows followups 1"));
    assert_non_null(strstr(text, "clean"));

    /* a follow-up whose evaluation is gone */
    sql_exec(f->path, "PRAGMA foreign_keys = OFF; DELETE FROM evaluations");
    assert_int_equal(check_quiet(f->path, text, sizeof text), 1);
    assert_non_null(strstr(text, "problem: foreign_key_check"));

    char garbage[128];
    snprintf(garbage, sizeof garbage, "%s/garbage.db", f->dir);
    FILE *g = fopen(garbage, "wb");
    for (int i = 0; i < 8192; i++)
        fputc((i * 7919 + 13) & 0xff, g);
    fclose(g);
    assert_int_equal(check_quiet(garbage, text, sizeof text), 1);
    pn_store *gs = NULL;
    char err[512] = "";
    assert_int_equal(pn__store_open(garbage, &gs, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a database"));

    char missing[128];
    snprintf(missing, sizeof missing, "%s/missing.db", f->dir);
    assert_int_equal(check_quiet(missing, text, sizeof text), 2);
    assert_int_equal(check_quiet(f->dir, text, sizeof text), 2);
    assert_int_equal(access(missing, F_OK), -1); /* read-only: nothing created */
}

/* ---- helper modes for tests/server/store_crash.sh ------------------------ */

/* --put-forever DB: 4 threads put evaluations until killed, printing each id
 * once pn__store_put_evaluation has returned 0 (= acknowledged). */
static pthread_mutex_t print_mu = PTHREAD_MUTEX_INITIALIZER;

static void *put_forever(void *arg)
{
    pn_store *s = arg;
    char *r = report_with("{\"next\":\"2026-06-01\"}");
    for (;;) {
        pn_store_eval e = {.case_id = "crash", .case_digest = "sha256:0", .kb_digest = "sha256:1",
                           .report_json = r, .origin = "rest"};
        char id[37], err[512];
        if (pn__store_put_evaluation(s, &e, id, err, sizeof err) != 0) {
            fprintf(stderr, "put: %s\n", err);
            exit(1);
        }
        pthread_mutex_lock(&print_mu);
        printf("%s\n", id);
        fflush(stdout);
        pthread_mutex_unlock(&print_mu);
    }
    return NULL;
}

static int helper_mode(int argc, char **argv)
{
    pn_store *s = NULL;
    char err[512];
    if (pn__store_open(argv[2], &s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (strcmp(argv[1], "--put-forever") == 0) {
        pthread_t th[4];
        for (int i = 0; i < 4; i++)
            pthread_create(&th[i], NULL, put_forever, s);
        pthread_join(th[0], NULL);
        return 1;
    }
    /* --verify DB: every id on standard input must be stored */
    char line[128];
    long found = 0, missing = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (strlen(line) != 36)
            continue; /* the torn last line of a killed writer */
        char *out = NULL;
        if (pn__store_get_evaluation(s, line, &out, err, sizeof err) == 0)
            found++;
        else {
            fprintf(stderr, "missing: %s\n", line);
            missing++;
        }
        free(out);
    }
    pn__store_close(s);
    printf("%ld acknowledged evaluations found, %ld missing\n", found, missing);
    (void)argc;
    return missing ? 1 : 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(int argc, char **argv)
{
    if (argc == 3 && (strcmp(argv[1], "--put-forever") == 0 || strcmp(argv[1], "--verify") == 0))
        return helper_mode(argc, argv);
    const struct CMUnitTest tests[] = {
        T(test_open_creates),         T(test_put_get_roundtrip),
        T(test_not_found),            T(test_followups_due),
        T(test_no_rescreening_no_reminder), T(test_bad_input_refused),
        T(test_feedback),             T(test_concurrent_puts),
        T(test_reopen_migrates_once), T(test_newer_schema_refused),
        T(test_foreign_database_refused), T(test_db_check),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
