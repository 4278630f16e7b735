/* test_jsondump.c - pn__json_dumps writes what json_dumps writes, byte for
 * byte: hand-built edge cases under every flag the project uses, and the
 * report and FHIR documents of every example and test case. */
#include "testutil.h"

#include <dirent.h>
#include <float.h>
#include <math.h>

#include "core/report_int.h"
#include "util/jsondump.h"

static const size_t flag_sets[] = {
    JSON_COMPACT,
    JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6),
    JSON_COMPACT | JSON_REAL_PRECISION(10),
    JSON_COMPACT | JSON_REAL_PRECISION(17),
    JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6),
    JSON_INDENT(2) | JSON_COMPACT,
    JSON_INDENT(1),
    JSON_INDENT(31) | JSON_REAL_PRECISION(1),
    0,
    JSON_ENCODE_ANY,
    JSON_ENCODE_ANY | JSON_INDENT(3),
    JSON_COMPACT | JSON_SORT_KEYS,
    JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(6),
    JSON_COMPACT | JSON_ENSURE_ASCII, /* passed through to jansson */
};

/* Same bytes, or both NULL. */
static void same(const json_t *v, size_t flags)
{
    char *want = json_dumps(v, flags);
    size_t len = 12345;
    char *got = pn__json_dumps(v, flags, &len);
    if (!want) {
        assert_null(got);
        assert_int_equal(len, 0);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(want);
    free(got);
}

static void same_all_flags(const json_t *v)
{
    for (size_t i = 0; i < sizeof flag_sets / sizeof *flag_sets; i++)
        same(v, flag_sets[i]);
}

static void test_edge_values(void **state)
{
    (void)state;
    json_t *doc = json_object();
    json_t *reals = json_array();
    const double r[] = {0.0,  -0.0,    0.1,     -0.1,      1.0,     5.0,         1e21,
                        1e-7, 1e300,   1e-300,  123456.7,  1234567, 0.30000000000000004,
                        DBL_MAX, DBL_MIN, 4.9e-324, -2.5e-5, 100.0,  1e16,        1e17};
    for (size_t i = 0; i < sizeof r / sizeof *r; i++)
        json_array_append_new(reals, json_real(r[i]));
    json_object_set_new(doc, "reals", reals);
    json_t *ints = json_array();
    const json_int_t n[] = {0, 1, -1, 10, -10, 9007199254740993LL, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof n / sizeof *n; i++)
        json_array_append_new(ints, json_integer(n[i]));
    json_object_set_new(doc, "ints", ints);
    char ctl[40];
    for (int i = 0; i < 32; i++)
        ctl[i] = (char)i;
    memcpy(ctl + 32, "\"\\/\x7f", 4);
    json_object_set_new(doc, "controls", json_stringn(ctl, 36));
    json_object_set_new(doc, "utf-8", json_string("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\xa7\xa0 \xe6\x97\xa5"));
    json_object_set_new(doc, "", json_string(""));
    json_object_set_new(doc, "ab", json_integer(2)); /* sorted: "a" < "ab" < "b" */
    json_object_set_new(doc, "a", json_integer(1));
    json_object_set_new(doc, "b\xc3\xa9", json_integer(3));
    json_object_setn_new(doc, "b\0z", 3, json_integer(4));
    json_object_set_new(doc, "key \"quoted\"\n", json_true());
    json_object_set_new(doc, "f", json_false());
    json_object_set_new(doc, "n", json_null());
    json_object_set_new(doc, "empty", json_pack("{s:[], s:{}, s:[[]], s:[{}]}", "a", "o", "aa", "ao"));
    json_t *deep = json_array();
    json_t *cur = deep;
    for (int i = 0; i < 40; i++) {
        json_t *next = i % 2 ? json_array() : json_object();
        if (json_is_array(cur))
            json_array_append_new(cur, next);
        else
            json_object_set_new(cur, "k", next);
        cur = next;
    }
    json_object_set_new(doc, "deep", deep);
    same_all_flags(doc);

    /* scalars: NULL without JSON_ENCODE_ANY, as jansson */
    json_t *scalars[] = {json_integer(7), json_real(2.5), json_string("x"), json_null(), json_true()};
    for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++) {
        same_all_flags(scalars[i]);
        json_decref(scalars[i]);
    }
    assert_null(pn__json_dumps(NULL, JSON_ENCODE_ANY, NULL));

    /* invalid UTF-8 in a value: NULL; in a key: written as jansson writes it */
    const char *bad[] = {"\xff", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x82",
                         "\xf0\x8f\xbf\xbf", "\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *a = json_array();
        json_array_append_new(a, json_string_nocheck(bad[i]));
        same_all_flags(a);
        json_decref(a);
        json_t *o = json_object();
        json_object_set_new_nocheck(o, bad[i], json_integer(1));
        json_object_set_new(o, "next", json_string("\t"));
        same_all_flags(o);
        json_decref(o);
    }
    json_decref(doc);
}

static pn_kb *kb;

static void check_case_file(const char *path)
{
    size_t len = 0;
    char *text = tu_read(path, &len);
    assert_non_null(text);
    pn_case *c = NULL;
    pn_error err = {0};
    pn_status st = pn_input_is_fhir(text, len) ? pn_case_parse_fhir(kb, text, len, &c, &err)
                                               : pn_case_parse(kb, text, len, &c, &err);
    free(text);
    if (st != PN_OK)
        return; /* the bad-input cases */
    pn_report *r = NULL;
    assert_int_equal(pn_evaluate(kb, c, &r, &err), PN_OK);
    same_all_flags(pn__report_doc(r));
    char *fhir = pn_report_fhir(r, "Patient/p1");
    assert_non_null(fhir);
    json_t *bundle = json_loads(fhir, 0, NULL);
    assert_non_null(bundle);
    same_all_flags(bundle);
    json_decref(bundle);
    free(fhir);
    pn_report_free(r);
    pn_case_free(c);
}

static int check_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > sl && strcmp(e->d_name + l - sl, suffix) == 0) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            check_case_file(path);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void test_reports(void **state)
{
    (void)state;
    pn_error err = {0};
    assert_int_equal(pn_kb_load(REAL_KB, &kb, &err), PN_OK);
    int n = check_dir(PN_TOP "/../shared/examples", ".case.json") +
            check_dir(PN_TOP "/../shared/examples", ".fhir.json") +
            check_dir(PN_TOP "/tests/cases", ".case.json");
    assert_true(n >= 12);
    char *kbjson = pn_kb_stats_json(kb);
    json_t *stats = json_loads(kbjson, 0, NULL);
    same_all_flags(stats);
    json_decref(stats);
    free(kbjson);
    pn_kb_free(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_values),
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
