/* test_scan.c - the bulk screener's NDJSON line scanner: extraction, the
 * bad-line reasons, and a differential run against jansson on mutated
 * lines (the same oracle as fuzz/fuzz_scan.c). */
#include "testutil.h"

#include "../../fuzz/scan_oracle.h"
#include "screen/scan.h"

static pn_scan_kind scan(const char *s, pn_scan_result *r)
{
    return pn__scan_line(s, strlen(s), r);
}

static void test_extract(void **state)
{
    (void)state;
    pn_scan_result r;
    assert_int_equal(scan("{\"resourceType\":\"Patient\",\"id\":\"p1\"}", &r), PN_SCAN_OK);
    assert_int_equal(r.type, PN_RT_PATIENT);
    assert_string_equal(r.key, "p1");
    assert_int_equal(scan("{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/abc\"}}", &r),
                     PN_SCAN_OK);
    assert_string_equal(r.key, "abc");
    assert_false(r.ref_rewrite);
    /* other forms of the reference are rewritten by the screener */
    assert_int_equal(scan("{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"urn:uuid:0a-1b\"}}", &r),
                     PN_SCAN_OK);
    assert_string_equal(r.key, "0a-1b");
    assert_true(r.ref_rewrite);
    assert_int_equal(scan("{\"resourceType\":\"Procedure\",\"subject\":{\"reference\":\"https://h/fhir/Patient/x9/_history/3\"}}", &r),
                     PN_SCAN_OK);
    assert_string_equal(r.key, "x9");
    assert_int_equal(scan("{\"resourceType\":\"MedicationStatement\",\"subject\":{\"reference\":\"Patient\\/q\"}}", &r),
                     PN_SCAN_OK);
    assert_string_equal(r.key, "q");
    assert_true(r.ref_rewrite);
    /* escapes in keys and values, the last duplicate wins (as in jansson) */
    assert_int_equal(scan("{\"resource\\u0054ype\":\"Obs\\u0065rvation\",\"patient\":{\"reference\":\"Patient/a\"},"
                          "\"patient\":{\"reference\":\"Patient/b\"}}", &r), PN_SCAN_OK);
    assert_int_equal(r.type, PN_RT_OBSERVATION);
    assert_string_equal(r.key, "b");
    /* subject wins over patient, as in the FHIR reader */
    assert_int_equal(scan("{\"resourceType\":\"Observation\",\"patient\":{\"reference\":\"Patient/a\"},"
                          "\"subject\":{\"reference\":\"Patient/s\",\"display\":\"x\"}}", &r), PN_SCAN_OK);
    assert_string_equal(r.key, "s");
    /* a CR before the newline is whitespace */
    assert_int_equal(scan("{\"resourceType\":\"Patient\",\"id\":\"p2\"}\r", &r), PN_SCAN_OK);
    assert_int_equal(scan("  \t\r", &r), PN_SCAN_BLANK);
}

static void test_reasons(void **state)
{
    (void)state;
    pn_scan_result r;
    static const struct {
        const char *line;
        pn_scan_kind kind;
        const char *reason; /* a part of it */
    } cases[] = {
        {"{\"resourceType\":\"Patient\",\"id\":\"p1\"", PN_SCAN_SYNTAX, "unterminated"},
        {"{\"resourceType\":\"Patient\",\"id\":\"p\xff\"}", PN_SCAN_SYNTAX, "UTF-8"},
        {"{\"resourceType\":\"Patient\",\"id\":\"\xc0\xaf\"}", PN_SCAN_SYNTAX, "UTF-8"},
        {"{\"resourceType\":\"Patient\",\"id\":\"\xed\xa0\x80\"}", PN_SCAN_SYNTAX, "UTF-8"},
        {"{\"a\":\"\\ud800\"}", PN_SCAN_SYNTAX, "surrogate"},
        {"{\"a\":\"\\u0000\"}", PN_SCAN_SYNTAX, "u0000"},
        {"{\"a\":01}", PN_SCAN_SYNTAX, "leading zero"},
        {"{\"a\":9223372036854775808}", PN_SCAN_SYNTAX, "too big"},
        {"{\"a\":1e400}", PN_SCAN_SYNTAX, "overflow"},
        {"{\"a\":1,}", PN_SCAN_SYNTAX, "key"},
        {"{\"a\":1} x", PN_SCAN_SYNTAX, "end of line"},
        {"\"x\"", PN_SCAN_SYNTAX, "object"},
        {"[1,2]", PN_SCAN_SKIP, "array"},
        {"{\"id\":\"x\"}", PN_SCAN_SKIP, "resourceType"},
        {"{\"resourceType\":\"Encounter\",\"subject\":{\"reference\":\"Patient/1\"}}", PN_SCAN_SKIP, "not read"},
        {"{\"resourceType\":\"Observation\"}", PN_SCAN_SKIP, "no subject"},
        {"{\"resourceType\":\"Observation\",\"subject\":{\"display\":\"x\"}}", PN_SCAN_SKIP, "subject.reference"},
        {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Group/1\"}}", PN_SCAN_SKIP, "Patient"},
        {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/a b\"}}", PN_SCAN_SKIP, "FHIR id"},
        {"{\"resourceType\":\"Patient\"}", PN_SCAN_SKIP, "without an id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pn_scan_kind k = scan(cases[i].line, &r);
        if (k != cases[i].kind || !r.reason || !strstr(r.reason, cases[i].reason))
            fail_msg("%s: kind %d reason %s", cases[i].line, (int)k, r.reason ? r.reason : "(none)");
        assert_null(scan_check(cases[i].line, strlen(cases[i].line)));
    }
    /* 2048 values deep is the limit, as in jansson */
    char deep[5000];
    size_t n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"a\":", 4);
    n += 4;
    for (int i = 0; i < 2046; i++)
        deep[n++] = '[';
    deep[n++] = '1';
    for (int i = 0; i < 2046; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    assert_null(scan_check(deep, n));
    assert_int_not_equal(pn__scan_line(deep, n, &r), PN_SCAN_SYNTAX);
    deep[2050] = '[';
    memmove(deep + 2052, deep + 2051, n - 2051);
    deep[2051] = '[';
    n++;
    memmove(deep + n - 1, deep + n - 2, 2);
    deep[n - 2] = ']';
    n++;
    assert_null(scan_check(deep, n));
}

/* xorshift: reproducible mutations */
static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_differential(void **state)
{
    (void)state;
    size_t len;
    char *doc = tu_read(PN_TOP "/../shared/examples/01-sensory-neuronopathy.fhir.json", &len);
    static const char *seeds[] = {
        "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/p1\"},\"valueQuantity\":{\"value\":-1.5e-3}}",
        "{\"resourceType\":\"Patient\",\"id\":\"p\\u0031\",\"name\":[{\"text\":\"Zo\\u00eb \\ud83d\\ude00 \xc3\xa9\"}],\"active\":true}",
        "{\"resourceType\":\"Condition\",\"patient\":{\"reference\":\"urn:uuid:ab-12\"},\"n\":[null,false,0,{}]}",
        "[{\"resourceType\":\"Patient\",\"id\":\"x\"}]",
    };
    char buf[4096];
    const char *alphabet = "{}[]\":,\\u0123456789abcdefABCDEF-+.eE \t\r\ntruefalsenull\x80\xbf\xc2\xe0\xed\xf0\xf4\xff";
    size_t alen = strlen(alphabet);
    size_t runs = 0;
    for (int s = 0; s < 5; s++) {
        const char *seed = s < 4 ? seeds[s] : doc ? strstr(doc, "{\"resourceType\": \"Observation\"") : NULL;
        if (!seed)
            continue;
        size_t sl = strlen(seed);
        if (sl > 1500)
            sl = 1500;
        for (int i = 0; i < 40000; i++) {
            size_t n = sl;
            memcpy(buf, seed, n);
            int muts = 1 + (int)(next() % 4);
            for (int m = 0; m < muts; m++) {
                size_t at = n ? next() % n : 0;
                switch (next() % 4) {
                case 0: buf[at] = alphabet[next() % alen]; break;
                case 1:
                    if (n < sizeof buf - 1) {
                        memmove(buf + at + 1, buf + at, n - at);
                        buf[at] = alphabet[next() % alen];
                        n++;
                    }
                    break;
                case 2:
                    if (n) {
                        memmove(buf + at, buf + at + 1, n - at - 1);
                        n--;
                    }
                    break;
                default: n = at; break; /* truncate */
                }
            }
            const char *bad = scan_check(buf, n);
            if (bad)
                fail_msg("%s on: %.*s", bad, (int)n, buf);
            runs++;
        }
    }
    assert_true(runs >= 160000);
    free(doc);
}

static void test_keys_and_hash(void **state)
{
    (void)state;
    char key[PN_SCAN_KEY_MAX + 1];
    const char *why;
    assert_int_equal(pn__scan_key_from_ref("Patient/a.b-c_d", 15, key, &why), 7);
    assert_int_equal(pn__scan_key_from_ref("Patient/", 8, key, &why), 0);
    assert_int_equal(pn__scan_key_from_ref("Patient/a/b", 11, key, &why), 0);
    assert_int_equal(pn__scan_key_from_ref("XPatient/a", 10, key, &why), 0);
    assert_true(pn__scan_hash("p1", 2) == pn__scan_hash("p1", 2));
    assert_true(pn__scan_hash("p1", 2) != pn__scan_hash("p2", 2));
    assert_int_equal(pn__scan_type_index("Procedure", 9), PN_RT_PROCEDURE);
    assert_int_equal(pn__scan_type_index("Proc", 4), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_keys_and_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
