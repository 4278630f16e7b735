/* plan.c - what to do: treatment steps for the likely syndromes, and plain
 * triage advice for the patient.
 *
 * Triage follows the project's rule (KB triage object): see a provider when
 * symptoms are severe or have lasted two weeks; anyone treated for cancer in
 * the last five years has new symptoms checked.  Danger thresholds for labs
 * and red-flag findings come from the KB with their sources. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/engine_int.h"
#include "util/date.h"

#define MAX_TREATED 3

static const char *const levels[] = {"none", "routine", "soon", "urgent", "emergency"};

static int level_of(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (s && strcmp(levels[i], s) == 0)
            return i;
    return 0;
}

static pn_status treatment(pn_eval *e)
{
    const pn_kb *kb = e->kb;
    json_t *arr = json_array();
    int step = 1;
    size_t treated = 0;
    for (size_t k = 0; k < kb->n_syndromes && treated < MAX_TREATED; k++) {
        int s = e->order[k];
        if (e->score[s] < PN_SUSPECT_SCORE)
            break;
        treated++;
        json_t *steps = json_object_get(kb->syndromes[s].obj, "treatment");
        if (!json_array_size(steps)) {
            char buf[300];
            snprintf(buf, sizeof buf,
                     "The knowledge base has no sourced treatment steps for %s yet: follow "
                     "specialist guidance.",
                     kb->syndromes[s].name);
            json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s}", "step", step++, "syndrome",
                                                 kb->syndromes[s].id, "kind", "none", "text", buf));
            continue;
        }
        size_t i;
        json_t *t;
        json_array_foreach(steps, i, t) {
            json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "step", step++,
                                                 "syndrome", kb->syndromes[s].id, "kind",
                                                 pn__jstr(t, "kind"), "text", pn__jstr(t, "text"),
                                                 "source", pn__src_text(e, t), "grade",
                                                 pn__jstr(t, "grade")));
        }
    }
    json_object_set_new(e->report, "treatment", arr);
    return PN_OK;
}

typedef struct triage {
    int level;
    json_t *reasons;
} triage;

static void raise_to(triage *t, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void raise_to(triage *t, int level, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (level > t->level)
        t->level = level;
    json_array_append_new(t->reasons, json_string(buf));
}


/* Treated for cancer (or diagnosed with one) within `years` of as_of? */
static bool recent_cancer_care(const pn_eval *e, int years, char *what, size_t n)
{
    const pn_case *c = e->c;
    int32_t since = pn__date_add_months(c->as_of, -12 * years);
    for (size_t i = 0; i < c->n_treatments; i++) {
        const pn_drug_use *t = &c->treatments[i];
        if (t->end == PN_NO_DATE || t->end >= since) {
            snprintf(what, n, "%s", t->name ? t->name : t->kind);
            return true;
        }
    }
    int chemo = pn__kb_find(e->kb, PN_SEC_DRUGS, "chemotherapy");
    int ici = pn__kb_find(e->kb, PN_SEC_DRUGS, "checkpoint-inhibitor");
    for (size_t i = 0; i < c->n_medications; i++) {
        const pn_drug_use *m = &c->medications[i];
        for (size_t k = 0; k < m->n_classes; k++) {
            if ((m->classes[k] == chemo || m->classes[k] == ici) &&
                (m->end == PN_NO_DATE || m->end >= since)) {
                snprintf(what, n, "%s", m->name ? m->name : m->atc);
                return true;
            }
        }
    }
    for (size_t i = 0; i < c->n_cancers; i++) {
        const pn_cancer *k = &c->cancers[i];
        if (k->status == PN_CANCER_ACTIVE ||
            (k->diagnosed != PN_NO_DATE && k->diagnosed >= since && k->status != PN_CANCER_SUSPECTED)) {
            snprintf(what, n, "%s", k->name ? k->name : k->icd10);
            return true;
        }
    }
    return false;
}

static pn_status do_triage(pn_eval *e)
{
    const pn_kb *kb = e->kb;
    const pn_case *c = e->c;
    json_t *tri = kb->triage;
    triage t = {0, json_array()};
    int duration_days = (int)pn__jnum(tri, "duration_days", 14);
    bool any_timing = false;

    size_t present = 0;
    for (size_t i = 0; i < c->n_findings; i++) {
        const pn_finding *f = &c->findings[i];
        if (!f->present)
            continue;
        present++;
        const char *name = f->term >= 0 ? kb->terms[f->term].label : f->label;
        if (f->severity == PN_SEV_SEVERE)
            raise_to(&t, 3, "severe symptom: %s", name);
        if (f->onset != PN_NO_DATE || f->course != PN_COURSE_NONE)
            any_timing = true;
    }
    if (present) {
        raise_to(&t, 1, "%zu symptom%s or sign%s recorded", present, present > 1 ? "s" : "",
                 present > 1 ? "s" : "");
        bool long_enough = (e->obs.onset != PN_NO_DATE && c->as_of - e->obs.onset >= duration_days) ||
                           e->obs.course == PN_COURSE_SUBACUTE || e->obs.course == PN_COURSE_CHRONIC;
        if (long_enough)
            raise_to(&t, 1, "symptoms have lasted %d days or more", duration_days);
    }
    /* red-flag findings */
    size_t i;
    json_t *rf;
    json_array_foreach(json_object_get(tri, "findings"), i, rf) {
        int term = pn__kb_find(kb, PN_SEC_TERMS, pn__jstr(rf, "finding"));
        int f;
        if (term < 0 || pn__obs_term(&e->obs, term, &f, NULL) != OBS_PRESENT)
            continue;
        const char *with = pn__jstr(rf, "with");
        int wt = with ? pn__kb_find(kb, PN_SEC_TERMS, with) : -1;
        if (with && (wt < 0 || pn__obs_term(&e->obs, wt, NULL, NULL) != OBS_PRESENT))
            continue;
        const char *course = pn__jstr(rf, "course");
        if (course && f >= 0 && strcmp(pn__course_names[c->findings[f].course], course) != 0)
            continue;
        if (course && f < 0)
            continue;
        raise_to(&t, level_of(pn__jstr(rf, "level")), "%s (%s)", pn__jstr(rf, "text"),
                 pn__src_text(e, rf));
    }
    /* dangerous lab values */
    json_array_foreach(json_object_get(tri, "labs"), i, rf) {
        double v;
        int l = pn__kb_find(kb, PN_SEC_LABS, pn__jstr(rf, "lab"));
        if (l < 0 || !pn__obs_lab_value(&e->obs, pn__jstr(rf, "lab"), &v, NULL))
            continue;
        if (pn__cmp(pn__jstr(rf, "op"), v, pn__jnum(rf, "value", 0)))
            raise_to(&t, level_of(pn__jstr(rf, "level")), "%s: %s %g %s (%s)", pn__jstr(rf, "text"),
                     kb->labs[l].name, round(v * 100) / 100, kb->labs[l].unit, pn__src_text(e, rf));
    }
    /* abnormal results and likely syndromes deserve a prompt visit */
    for (size_t k = 0; k < kb->n_terms; k++) {
        if (e->obs.terms[k].state == OBS_PRESENT && e->obs.terms[k].lab >= 0 &&
            e->obs.terms[k].via < 0) {
            raise_to(&t, 2, "abnormal test result: %s", kb->terms[k].label);
            break;
        }
    }
    int top = e->order[0];
    if (e->score[top] >= 0.5)
        raise_to(&t, 2, "a condition that needs assessment is likely: %s", kb->syndromes[top].name);
    for (size_t k = 0; k < kb->n_syndromes; k++) {
        int s = e->order[k];
        if (e->score[s] < PN_SUSPECT_SCORE)
            break;
        if (strcmp(kb->syndromes[s].system, "nervous") == 0 &&
            strcmp(kb->syndromes[s].kind, "paraneoplastic") == 0 &&
            (e->obs.course == PN_COURSE_ACUTE || e->obs.course == PN_COURSE_SUBACUTE)) {
            raise_to(&t, 3, "neurological symptoms that progress over days to weeks (%s)",
                     kb->syndromes[s].name);
            break;
        }
    }
    /* the five-year rule */
    char what[200];
    int years = (int)pn__jnum(tri, "cancer_treatment_years", 5);
    bool five_year = present && recent_cancer_care(e, years, what, sizeof what);
    if (five_year)
        raise_to(&t, 2, "cancer care in the last %d years (%s) and new symptoms: ask about checking "
                        "for the cancer again (%s)",
                 years, what, pn__src_text(e, tri));

    json_t *advice_t = json_object_get(tri, "advice");
    char advice[1200] = "";
    size_t n = (size_t)snprintf(advice, sizeof advice, "%s",
                                pn__jstr(advice_t, levels[t.level]) ? pn__jstr(advice_t, levels[t.level]) : "");
    if (five_year && pn__jstr(advice_t, "five_year") && n < sizeof advice)
        n += (size_t)snprintf(advice + n, sizeof advice - n, "%s%s", n ? " " : "",
                              pn__jstr(advice_t, "five_year"));
    bool unknown_timing = present && !any_timing;
    if (unknown_timing && pn__jstr(advice_t, "unknown_timing") && n < sizeof advice)
        snprintf(advice + n, sizeof advice - n, "%s%s", n ? " " : "", pn__jstr(advice_t, "unknown_timing"));
    json_t *o = json_object();
    json_object_set_new(o, "level", json_string(levels[t.level]));
    json_object_set_new(o, "advice", json_string(advice));
    json_object_set_new(o, "reasons", t.reasons);
    json_object_set_new(o, "source", json_string(pn__src_text(e, tri)));
    json_object_set_new(e->report, "triage", o);
    return PN_OK;
}

pn_status pn__plan(pn_eval *e)
{
    pn_status st = treatment(e);
    return st == PN_OK ? do_triage(e) : st;
}
