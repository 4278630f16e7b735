/* observe.c - the case as observations the engine can weigh.
 *
 * Findings are placed on the KB's term catalogue: a narrower term recorded
 * present makes its broader terms present ("progressive cerebellar ataxia"
 * is ataxia); a broader term recorded absent makes its narrower terms absent.
 * Lab results become findings through the KB's derive rules (sodium below
 * 135 mmol/L is hyponatraemia) unless the clinician recorded the finding
 * directly, which always wins. */
#include <string.h>

#include "core/engine_int.h"
#include "util/date.h"


static bool lab_canon(const pn_obs *o, const char *id, double *v)
{
    int l = pn__kb_find(o->kb, PN_SEC_LABS, id);
    if (l < 0 || o->lab[l] < 0)
        return false;
    *v = o->c->labs[o->lab[l]].canon;
    return true;
}

bool pn__obs_lab_value(const pn_obs *o, const char *lab_id, double *canon, int *case_lab)
{
    int l = pn__kb_find(o->kb, PN_SEC_LABS, lab_id);
    if (case_lab)
        *case_lab = -1;
    if (l < 0)
        return false;
    if (o->lab[l] >= 0) {
        *canon = o->c->labs[o->lab[l]].canon;
        if (case_lab)
            *case_lab = o->lab[l];
        return true;
    }
    if (strcmp(lab_id, "calcium-corrected") == 0 && o->has_ca_corrected) {
        *canon = o->ca_corrected;
        return true;
    }
    if (strcmp(lab_id, "igf2-igf1-ratio") == 0 && o->has_igf_ratio) {
        *canon = o->igf_ratio;
        return true;
    }
    return false;
}

bool pn__obs_drug(const pn_obs *o, int d, bool treatments, const pn_drug_use **use)
{
    const pn_drug_use *list = treatments ? o->c->treatments : o->c->medications;
    size_t n = treatments ? o->c->n_treatments : o->c->n_medications;
    const pn_drug_use *best = NULL;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < list[i].n_classes; k++) {
            if (list[i].classes[k] != d)
                continue;
            /* prefer an ongoing use, then the one that ended last */
            if (!best || (list[i].end == PN_NO_DATE && best->end != PN_NO_DATE) ||
                (best->end != PN_NO_DATE && list[i].end != PN_NO_DATE && list[i].end > best->end))
                best = &list[i];
        }
    }
    if (use)
        *use = best;
    return best != NULL;
}

pn_obs_state pn__obs_term(const pn_obs *o, int term, int *finding, int *lab)
{
    const pn_term_obs *t = &o->terms[term];
    if (finding)
        *finding = t->finding;
    if (lab)
        *lab = t->lab;
    return t->state;
}

/* Computed analytes named by the KB's "computed" labs, with their sources
 * there: albumin-corrected calcium (Payne formula, "payne") and the
 * IGF-2:IGF-1 ratio. */
static void computed(pn_obs *o)
{
    const pn_kb *kb = o->kb;
    int cc = pn__kb_find(kb, PN_SEC_LABS, "calcium-corrected");
    int ca = pn__kb_find(kb, PN_SEC_LABS, "calcium");
    int alb = pn__kb_find(kb, PN_SEC_LABS, "albumin");
    double ca_v, alb_v, ca_mmol, alb_gl;
    if (cc >= 0 && o->lab[cc] < 0 && ca >= 0 && alb >= 0 && lab_canon(o, "calcium", &ca_v) &&
        lab_canon(o, "albumin", &alb_v) && pn__kb_lab_to_unit(kb, ca, ca_v, "mmol/L", &ca_mmol) &&
        pn__kb_lab_to_unit(kb, alb, alb_v, "g/L", &alb_gl)) {
        double corr = ca_mmol + 0.02 * (40.0 - alb_gl);
        double canon;
        /* back into the computed lab's canonical unit */
        if (pn__kb_lab_convert(kb, cc, "mmol/L", corr, &canon)) {
            o->ca_corrected = canon;
            o->has_ca_corrected = true;
        }
    } else if (cc >= 0 && o->lab[cc] < 0 && ca >= 0 && lab_canon(o, "calcium", &ca_v) &&
               pn__kb_lab_to_unit(kb, ca, ca_v, "mmol/L", &ca_mmol)) {
        /* no albumin: total calcium stands in, and the report says so */
        double canon;
        if (pn__kb_lab_convert(kb, cc, "mmol/L", ca_mmol, &canon)) {
            o->ca_corrected = canon;
            o->has_ca_corrected = true;
            o->ca_uncorrected = true;
        }
    }
    double i2, i1;
    if (lab_canon(o, "igf2", &i2) && lab_canon(o, "igf1", &i1) && i1 > 0) {
        o->igf_ratio = i2 / i1;
        o->has_igf_ratio = true;
    }
}

static void derive(pn_obs *o, int l, double v, int case_lab)
{
    json_t *rules = json_object_get(o->kb->labs[l].obj, "derive");
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        const char *sex = pn__jstr(r, "sex");
        if (sex && strcmp(sex, "any") != 0) {
            pn_sex want = strcmp(sex, "female") == 0 ? PN_SEX_FEMALE : PN_SEX_MALE;
            if (o->c->patient.sex != want)
                continue;
        }
        int t = pn__kb_find(o->kb, PN_SEC_TERMS, pn__jstr(r, "hpo"));
        if (t < 0 || o->terms[t].finding >= 0)
            continue; /* a finding the clinician recorded wins */
        bool holds = pn__cmp(pn__jstr(r, "op"), v, pn__jnum(r, "value", 0));
        if (holds) {
            o->terms[t] = (pn_term_obs){OBS_PRESENT, -1, case_lab, -1};
        } else if (json_is_true(json_object_get(r, "absent_otherwise")) &&
                   o->terms[t].state != OBS_PRESENT) {
            o->terms[t] = (pn_term_obs){OBS_ABSENT, -1, case_lab, -1};
        }
    }
}

pn_status pn__observe(pn_eval *e)
{
    pn_obs *o = &e->obs;
    const pn_kb *kb = e->kb;
    const pn_case *c = e->c;
    o->kb = kb;
    o->c = c;
    o->terms = pn__arena_alloc(&e->arena, (kb->n_terms + 1) * sizeof *o->terms);
    o->abs = pn__arena_alloc(&e->arena, (kb->n_antibodies + 1) * sizeof *o->abs);
    o->lab = pn__arena_alloc(&e->arena, (kb->n_labs + 1) * sizeof *o->lab);
    if (!o->terms || !o->abs || !o->lab)
        return PN_ENOMEM;
    for (size_t t = 0; t < kb->n_terms; t++)
        o->terms[t] = (pn_term_obs){OBS_UNKNOWN, -1, -1, -1};
    o->onset = PN_NO_DATE;

    /* findings the clinician recorded; present wins over absent */
    for (size_t i = 0; i < c->n_findings; i++) {
        const pn_finding *f = &c->findings[i];
        if (f->present)
            o->any_symptom = true;
        if (f->present && f->onset != PN_NO_DATE && (o->onset == PN_NO_DATE || f->onset < o->onset)) {
            o->onset = f->onset;
            o->course = f->course;
        }
        if (f->term < 0)
            continue;
        pn_term_obs *t = &o->terms[f->term];
        if (t->state == OBS_PRESENT && !f->present)
            continue;
        *t = (pn_term_obs){f->present ? OBS_PRESENT : OBS_ABSENT, (int)i, -1, -1};
    }
    if (o->course == PN_COURSE_NONE)
        for (size_t i = 0; i < c->n_findings && o->course == PN_COURSE_NONE; i++)
            if (c->findings[i].present)
                o->course = c->findings[i].course;

    /* labs: the latest converted result per analyte (undated counts as latest) */
    for (size_t l = 0; l < kb->n_labs; l++)
        o->lab[l] = -1;
    for (size_t i = 0; i < c->n_labs; i++) {
        const pn_lab_result *r = &c->labs[i];
        if (r->lab < 0 || !r->converted)
            continue;
        int prev = o->lab[r->lab];
        int32_t d = r->date == PN_NO_DATE ? INT32_MAX : r->date;
        int32_t pd = prev < 0 ? INT32_MIN
                              : (c->labs[prev].date == PN_NO_DATE ? INT32_MAX : c->labs[prev].date);
        if (prev < 0 || d >= pd)
            o->lab[r->lab] = (int)i;
    }
    computed(o);
    for (size_t l = 0; l < kb->n_labs; l++) {
        double v;
        int case_lab;
        if (pn__obs_lab_value(o, kb->labs[l].id, &v, &case_lab))
            derive(o, (int)l, v, case_lab);
    }

    /* the hierarchy: present goes up, absent comes down */
    for (size_t t = 0; t < kb->n_terms; t++) {
        if (o->terms[t].state != OBS_PRESENT || o->terms[t].via >= 0)
            continue;
        int up = kb->terms[t].maps_to;
        for (size_t hops = 0; up >= 0 && hops < kb->n_terms; hops++) {
            if (o->terms[up].state == OBS_UNKNOWN || (o->terms[up].state == OBS_ABSENT &&
                                                      o->terms[up].finding < 0))
                o->terms[up] = (pn_term_obs){OBS_PRESENT, o->terms[t].finding, o->terms[t].lab, (int)t};
            up = kb->terms[up].maps_to;
        }
    }
    for (size_t t = 0; t < kb->n_terms; t++) {
        if (o->terms[t].state != OBS_UNKNOWN)
            continue;
        int up = kb->terms[t].maps_to;
        for (size_t hops = 0; up >= 0 && hops < kb->n_terms; hops++) {
            if (o->terms[up].state == OBS_ABSENT && o->terms[up].via < 0) {
                o->terms[t] = (pn_term_obs){OBS_ABSENT, o->terms[up].finding, o->terms[up].lab, up};
                break;
            }
            up = kb->terms[up].maps_to;
        }
    }

    /* antibodies: positive > equivocal > negative; note weak-only positives */
    for (size_t i = 0; i < c->n_antibodies; i++) {
        const pn_ab_test *a = &c->antibodies[i];
        if (a->antibody < 0)
            continue;
        pn_ab_obs *ob = &o->abs[a->antibody];
        pn_ab_state s = a->result == PN_AB_POSITIVE ? AB_POS
                        : a->result == PN_AB_NEGATIVE ? AB_NEG
                                                      : AB_EQUIVOCAL;
        bool weak = false;
        if (s == AB_POS) {
            json_t *wm = json_object_get(kb->antibodies[a->antibody].obj, "weak_methods");
            size_t k;
            json_t *m;
            json_array_foreach(wm, k, m) weak |= a->method != PN_METHOD_NONE &&
                                                 strcmp(json_string_value(m),
                                                        pn__method_names[a->method]) == 0;
        }
        int rank_new = s == AB_POS ? 3 : s == AB_EQUIVOCAL ? 2 : 1;
        int rank_old = ob->state == AB_POS ? 3 : ob->state == AB_EQUIVOCAL ? 2 : ob->state == AB_NEG ? 1 : 0;
        if (rank_new > rank_old) {
            ob->state = s;
            ob->weak_only = weak;
            ob->test = (int)i;
        } else if (s == AB_POS && ob->state == AB_POS && !weak) {
            ob->weak_only = false; /* confirmed by a stronger method */
            ob->test = (int)i;
        }
    }
    o->cancer_known = c->n_cancers > 0;
    return PN_OK;
}
