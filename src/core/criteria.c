/* criteria.c - formal criteria sets of the KB, evaluated on the case.
 *
 * Each item is met, not met, unknown (no data) or not applicable (an item
 * for the other sex).  A set is met when every rule holds, not met when some
 * rule can no longer hold whatever the unknown items turn out to be, and
 * unknown otherwise; its "missing" list says what to measure next. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/engine_int.h"
#include "util/date.h"

enum { ITEM_UNKNOWN = -1, ITEM_NO = 0, ITEM_YES = 1, ITEM_NA = 2 };


static int yesno(bool want, bool have)
{
    return want == have ? ITEM_YES : ITEM_NO;
}

/* Was a drug of class d taken within `within` days of as_of (or ever)? */
static int drug_item(const pn_eval *e, int d, json_t *it)
{
    bool want = json_is_true(json_object_get(it, "present"));
    if (!e->c->medications_given && !e->c->treatments_given)
        return ITEM_UNKNOWN;
    const pn_drug_use *use = NULL;
    bool used = pn__obs_drug(&e->obs, d, false, &use) || pn__obs_drug(&e->obs, d, true, &use);
    json_t *w = json_object_get(it, "within_days");
    if (used && w && use->end != PN_NO_DATE)
        used = e->c->as_of - use->end <= (int32_t)json_number_value(w);
    return yesno(want, used);
}

static int tumour_item(const pn_eval *e, int t, json_t *it)
{
    bool want = json_is_true(json_object_get(it, "present"));
    for (size_t i = 0; i < e->c->n_cancers; i++)
        if (pn__kb_tumour_related(e->kb, e->c->cancers[i].tumour, t))
            return yesno(want, true);
    return e->c->cancers_given ? yesno(want, false) : ITEM_UNKNOWN;
}

static int eval_item(pn_eval *e, json_t *it, json_t *out)
{
    const pn_kb *kb = e->kb;
    const pn_case *c = e->c;
    const char *sex = pn__jstr(it, "sex");
    const char *s;
    bool subject_sex = sex && !json_object_get(it, "lab") && !json_object_get(it, "finding") &&
                       !json_object_get(it, "antibody") && !json_object_get(it, "drug") &&
                       !json_object_get(it, "tumour") && !json_object_get(it, "age") &&
                       !json_object_get(it, "smoking");
    if (sex && !subject_sex && c->patient.sex != PN_SEX_UNKNOWN) {
        pn_sex want = strcmp(sex, "female") == 0 ? PN_SEX_FEMALE : PN_SEX_MALE;
        if (c->patient.sex != want)
            return ITEM_NA;
    }
    if ((s = pn__jstr(it, "lab"))) {
        double canon, v;
        int l = pn__kb_find(kb, PN_SEC_LABS, s);
        const char *unit = pn__jstr(it, "unit");
        if (!pn__obs_lab_value(&e->obs, s, &canon, NULL) || !pn__kb_lab_to_unit(kb, l, canon, unit, &v))
            return ITEM_UNKNOWN;
        json_object_set_new(out, "value", json_real(round(v * 1000) / 1000));
        json_object_set_new(out, "unit", json_string(unit));
        return pn__cmp(pn__jstr(it, "op"), v, pn__jnum(it, "value", 0)) ? ITEM_YES : ITEM_NO;
    }
    if ((s = pn__jstr(it, "finding"))) {
        int t = pn__kb_find(kb, PN_SEC_TERMS, s);
        pn_obs_state st = t < 0 ? OBS_UNKNOWN : pn__obs_term(&e->obs, t, NULL, NULL);
        if (st == OBS_UNKNOWN)
            return ITEM_UNKNOWN;
        return yesno(json_is_true(json_object_get(it, "present")), st == OBS_PRESENT);
    }
    if ((s = pn__jstr(it, "antibody"))) {
        int a = pn__kb_find(kb, PN_SEC_ANTIBODIES, s);
        pn_ab_state st = a < 0 ? AB_UNTESTED : e->obs.abs[a].state;
        if (st != AB_POS && st != AB_NEG)
            return ITEM_UNKNOWN;
        return yesno(json_is_true(json_object_get(it, "present")), st == AB_POS);
    }
    if ((s = pn__jstr(it, "drug")))
        return drug_item(e, pn__kb_find(kb, PN_SEC_DRUGS, s), it);
    if ((s = pn__jstr(it, "tumour")))
        return tumour_item(e, pn__kb_find(kb, PN_SEC_TUMOURS, s), it);
    if (json_is_true(json_object_get(it, "age"))) {
        if (!c->patient.has_age)
            return ITEM_UNKNOWN;
        json_object_set_new(out, "value", json_real(c->patient.age));
        json_object_set_new(out, "unit", json_string("years"));
        return pn__cmp(pn__jstr(it, "op"), c->patient.age, pn__jnum(it, "value", 0)) ? ITEM_YES : ITEM_NO;
    }
    if ((s = pn__jstr(it, "smoking"))) {
        if (c->patient.smoking == PN_SMOKE_UNKNOWN)
            return ITEM_UNKNOWN;
        return strcmp(pn__smoking_names[c->patient.smoking], s) == 0 ? ITEM_YES : ITEM_NO;
    }
    if (subject_sex) {
        if (c->patient.sex == PN_SEX_UNKNOWN || c->patient.sex == PN_SEX_OTHER)
            return ITEM_UNKNOWN;
        return strcmp(pn__sex_names[c->patient.sex], sex) == 0 ? ITEM_YES : ITEM_NO;
    }
    return ITEM_UNKNOWN;
}

/* Evaluates set idx into r; with build, also its report entry (r->json). */
static pn_status eval_set(pn_eval *e, int idx, pn_crit_result *r, bool build)
{
    json_t *set = e->kb->sec[PN_SEC_CRITERIA].items[idx].obj;
    json_t *items = json_object_get(set, "items");
    size_t n = json_array_size(items);
    int *state = pn__arena_alloc(&e->arena, (n + 1) * sizeof *state);
    if (!state)
        return PN_ENOMEM;
    json_t *out_items = build ? json_array() : NULL, *missing = build ? json_array() : NULL;
    bool points = json_is_true(json_object_get(set, "points"));
    double pts = 0, pts_max = 0;
    size_t i;
    json_t *it;
    r->set = idx;
    r->syndrome = pn__kb_find(e->kb, PN_SEC_SYNDROMES, pn__jstr(set, "syndrome"));
    r->touched = false;
    json_array_foreach(items, i, it) {
        json_t *o = build ? json_object() : NULL;
        state[i] = eval_item(e, it, o);
        if (build) {
            json_object_set_new(o, "id", json_string(pn__jstr(it, "id")));
            json_object_set_new(o, "text", json_string(pn__jstr(it, "text")));
            json_object_set_new(o, "met", state[i] == ITEM_YES  ? json_true()
                                          : state[i] == ITEM_NO ? json_false()
                                                                : json_null());
            if (state[i] == ITEM_NA)
                json_object_set_new(o, "applicable", json_false());
        }
        bool clinical = json_object_get(it, "lab") || json_object_get(it, "finding") ||
                        json_object_get(it, "antibody");
        if (clinical && (state[i] == ITEM_YES || state[i] == ITEM_NO))
            r->touched = true;
        if (build && state[i] == ITEM_UNKNOWN)
            json_array_append_new(missing, json_string(pn__jstr(it, "text")));
        double w = pn__jnum(it, "points", 1);
        if (points && state[i] == ITEM_YES)
            pts += w;
        if (points && (state[i] == ITEM_YES || state[i] == ITEM_UNKNOWN))
            pts_max += w;
        if (build)
            json_array_append_new(out_items, o);
    }
    /* rules */
    bool all_hold = true, impossible = false;
    size_t k;
    json_t *rule;
    json_array_foreach(json_object_get(set, "rule"), k, rule) {
        const char *g = pn__jstr(rule, "group");
        size_t met = 0, unknown = 0, total = 0;
        json_array_foreach(items, i, it) {
            if (strcmp(pn__jstr(it, "group"), g) != 0 || state[i] == ITEM_NA)
                continue;
            total++;
            met += state[i] == ITEM_YES;
            unknown += state[i] == ITEM_UNKNOWN;
        }
        json_t *min = json_object_get(rule, "min");
        size_t need = json_is_string(min) ? total : (size_t)json_integer_value(min);
        if (met < need)
            all_hold = false;
        if (met + unknown < need)
            impossible = true;
    }
    r->met = impossible ? 0 : all_hold ? 1 : -1;
    r->points = pts;
    r->band = NULL;
    if (points) {
        json_array_foreach(json_object_get(set, "bands"), k, rule) {
            if (pts >= pn__jnum(rule, "min", 0) &&
                (!r->band || pn__jnum(rule, "min", 0) > pn__jnum(r->band, "min", 0)))
                r->band = rule;
        }
    }
    if (!build)
        return PN_OK;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(pn__jstr(set, "id")));
    json_object_set_new(j, "name", json_string(pn__jstr(set, "name")));
    if (pn__jstr(set, "syndrome"))
        json_object_set_new(j, "syndrome", json_string(pn__jstr(set, "syndrome")));
    json_object_set_new(j, "met", r->met == 1 ? json_true() : r->met == 0 ? json_false() : json_null());
    if (points) {
        json_object_set_new(j, "score", json_real(pts));
        json_object_set_new(j, "score_max_possible", json_real(pts_max));
        json_t *band = r->band;
        if (band) {
            json_object_set_new(j, "band", json_string(pn__jstr(band, "text")));
            if (json_object_get(band, "risk"))
                json_object_set_new(j, "risk", json_real(pn__jnum(band, "risk", 0)));
            json_object_set_new(j, "band_source", json_string(pn__src_text(e, band)));
        }
    }
    json_object_set_new(j, "items", out_items);
    json_object_set_new(j, "missing", missing);
    json_object_set_new(j, "source", json_string(pn__src_text(e, set)));
    json_object_set_new(j, "grade", json_string(pn__jstr(set, "grade")));
    r->json = j;
    return PN_OK;
}

pn_status pn__criteria(pn_eval *e)
{
    size_t n = e->kb->sec[PN_SEC_CRITERIA].len;
    e->crit = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->crit);
    if (!e->crit)
        return PN_ENOMEM;
    e->n_crit = n;
    for (size_t i = 0; i < n; i++) {
        pn_status st = eval_set(e, (int)i, &e->crit[i], false);
        if (st != PN_OK)
            return st;
    }
    return PN_OK;
}

json_t *pn__criteria_json(pn_eval *e, size_t i)
{
    if (!e->crit[i].json && eval_set(e, e->crit[i].set, &e->crit[i], true) != PN_OK)
        return NULL;
    return e->crit[i].json;
}

const pn_crit_result *pn__criteria_find(const pn_eval *e, const char *id)
{
    int i = pn__kb_find(e->kb, PN_SEC_CRITERIA, id);
    return i < 0 ? NULL : &e->crit[i];
}
