/* scan_oracle.h - the reference for the screener's line scanner: what jansson
 * (json_loadb, flags 0, duplicates allowed, last one wins) says about a line.
 * Shared by fuzz/fuzz_scan.c and tests/unit/test_scan.c.  scan_check returns
 * NULL when the scanner agrees, else what differs. */
#ifndef PN_SCAN_ORACLE_H
#define PN_SCAN_ORACLE_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "screen/scan.h"

static const char *scan_check(const char *data, size_t size)
{
    pn_scan_result r;
    pn_scan_kind k = pn__scan_line(data, size, &r);
    bool blank = true;
    for (size_t i = 0; i < size && blank; i++)
        blank = data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n';
    if (blank)
        return k == PN_SCAN_BLANK ? NULL : "blank line not PN_SCAN_BLANK";
    json_error_t je;
    json_t *j = json_loadb(data, size, 0, &je);
    if (!j)
        return k == PN_SCAN_SYNTAX ? NULL : "jansson rejects, the scanner accepts";
    const char *bad = NULL;
    if (k == PN_SCAN_SYNTAX || k == PN_SCAN_BLANK) {
        bad = "jansson accepts, the scanner rejects";
        goto out;
    }
    /* the expected extraction */
    const char *why = NULL;
    char key[PN_SCAN_KEY_MAX + 1];
    size_t klen = 0;
    json_t *rt = json_is_object(j) ? json_object_get(j, "resourceType") : NULL;
    int type = -1;
    if (json_is_string(rt) && json_string_length(rt) <= PN_SCAN_TYPE_MAX)
        type = pn__scan_type_index(json_string_value(rt), json_string_length(rt));
    if (type == PN_RT_PATIENT) {
        json_t *id = json_object_get(j, "id");
        if (json_is_string(id) && json_string_length(id) <= PN_SCAN_KEY_MAX)
            klen = pn__scan_key_from_id(json_string_value(id), json_string_length(id), key, &why);
    } else if (type >= 0) {
        json_t *ro = json_object_get(j, "subject");
        if (!ro)
            ro = json_object_get(j, "patient");
        json_t *ref = json_object_get(ro, "reference");
        if (json_is_string(ref) && json_string_length(ref) <= PN_SCAN_REF_MAX)
            klen = pn__scan_key_from_ref(json_string_value(ref), json_string_length(ref), key, &why);
    }
    if (klen == 0) {
        if (k != PN_SCAN_SKIP)
            bad = "the scanner accepts a line without a usable type and patient";
        else if (json_is_string(rt) && json_string_length(rt) <= PN_SCAN_TYPE_MAX &&
                 (r.type_len != json_string_length(rt) || memcmp(r.type_name, json_string_value(rt), r.type_len)))
            bad = "resourceType differs (skipped line)";
        goto out;
    }
    if (k != PN_SCAN_OK) {
        bad = "the scanner skips a usable line";
        goto out;
    }
    if (r.type != type)
        bad = "resourceType differs";
    else if (r.key_len != klen || memcmp(r.key, key, klen) != 0 || r.key[klen] != '\0')
        bad = "patient key differs";
    else if (type != PN_RT_PATIENT && (r.ref_off + r.ref_len > size || r.ref_off == 0))
        bad = "reference span outside the line";
    else if (type != PN_RT_PATIENT && !r.ref_rewrite &&
             (r.ref_len != 8 + klen || memcmp(data + r.ref_off, "Patient/", 8) ||
              memcmp(data + r.ref_off + 8, key, klen)))
        bad = "reference span is not Patient/<key>";
out:
    json_decref(j);
    return bad;
}

#endif
