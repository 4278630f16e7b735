/* pnscare.c - the 2021 PNS-Care score (Graus et al., PMID 34006622).
 *
 * Points come from the KB's pns_care table: phenotype class + antibody risk
 * class + cancer (consistent, or antigen shown in the tumour: 4; none found:
 * 1 under the follow-up limit, 0 after).  The phenotype is the one the
 * clinician named, else the most likely neurological paraneoplastic
 * syndrome; several phenotypes or antibodies score the highest. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/engine_int.h"
#include "util/date.h"

static int points(json_t *table, const char *part, const char *key)
{
    return (int)json_integer_value(json_object_get(json_object_get(table, part), key));
}

static void note(json_t *notes, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note(json_t *notes, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(notes, json_string(buf));
}

/* An inferred phenotype is established by two of its findings, or by one
 * with a positive antibody of the syndrome (one nonspecific sign next to a
 * known cancer is not a phenotype). */
static bool established(const pn_eval *e, int s)
{
    return e->symptomatic[s] >= 2 || (e->symptomatic[s] >= 1 && e->antibody_backed[s]);
}

/* Does the mimic account for the phenotype's picture?  Either it has
 * specific evidence of its own (a metastasis on imaging, a checkpoint
 * inhibitor, platinum: an item with LR >= 10 that is more than a frequency),
 * or every finding present in the case that supports the phenotype (LR >= 2)
 * is also one of its findings (LR > 1): a metabolic neuropathy explains
 * areflexia, not the proximal weakness and dry mouth of Lambert-Eaton
 * syndrome, nor the CSF pleocytosis of an encephalomyelitis. */
static bool explains(const pn_eval *e, int mimic, int phenotype)
{
    if (e->own_proof[mimic])
        return true;
    const pn_kb_syndrome *p = &e->kb->syndromes[phenotype], *m = &e->kb->syndromes[mimic];
    for (size_t i = 0; i < p->n_ev; i++) {
        const pn_kb_ev *it = &p->ev[i];
        if (it->kind != PN_EV_FINDING || it->target < 0 || it->lr_pos < PN_LIST_MIN_LR ||
            pn__obs_term(&e->obs, it->target, NULL, NULL) != OBS_PRESENT)
            continue;
        bool shared = false;
        for (size_t k = 0; k < m->n_ev && !shared; k++)
            shared = m->ev[k].kind == PN_EV_FINDING && m->ev[k].target == it->target &&
                     m->ev[k].lr_pos > 1;
        if (!shared)
            return false;
    }
    return true;
}

static const char *pclass(const pn_kb *kb, int s)
{
    return pn__jstr(json_object_get(kb->syndromes[s].obj, "pns_care"), "class");
}

static int class_points(json_t *table, const char *cls)
{
    json_t *v = json_object_get(json_object_get(table, "phenotype"), cls);
    return v ? (int)json_integer_value(v) : -1;
}

/* Is tumour t among the tumours listed in obj's "tumours"? */
static bool lists_tumour(const pn_kb *kb, json_t *obj, int t)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(obj, "tumours"), i, it) {
        int x = pn__kb_find(kb, PN_SEC_TUMOURS, pn__jstr(it, "tumour"));
        if (pn__kb_tumour_related(kb, t, x))
            return true;
    }
    return false;
}

static json_t *not_applicable(const char *reason, json_t *notes)
{
    json_t *o = json_object();
    json_object_set_new(o, "applicable", json_false());
    json_object_set_new(o, "reason", json_string(reason));
    json_object_set_new(o, "notes", notes);
    return o;
}

pn_status pn__pns_care(pn_eval *e)
{
    const pn_kb *kb = e->kb;
    const pn_case *c = e->c;
    json_t *table = kb->pns_care;
    json_t *notes = json_array();
    char buf[400];

    /* 1. the phenotype */
    int best = -1, best_pts = -1;
    bool named = false, outside_named = false;
    for (size_t i = 0; i < c->n_phenotypes; i++) {
        int s = c->phenotypes[i];
        if (s < 0)
            continue;
        named = true;
        int p = class_points(table, pclass(kb, s));
        if (p < 0) {
            outside_named = true;
            continue;
        }
        if (p > best_pts || (p == best_pts && e->score[s] > e->score[best]))
            best = s, best_pts = p;
    }
    int top_outside = -1;
    if (best < 0) {
        /* Without a named phenotype: the leading paraneoplastic syndrome of
         * the case decides.  If it is not neurological, or outside the 2021
         * criteria, the score does not apply; otherwise the neurological
         * syndromes close to it compete and the highest class scores. */
        int lead = -1;
        for (size_t k = 0; k < kb->n_syndromes && lead < 0; k++) {
            int s = e->order[k];
            if (e->score[s] < PN_SUSPECT_SCORE)
                break;
            /* a phenotype is a clinical picture, not one nonspecific sign */
            if (strcmp(kb->syndromes[s].kind, "paraneoplastic") == 0 && established(e, s))
                lead = s;
        }
        if (lead >= 0 && strcmp(kb->syndromes[lead].system, "nervous") == 0) {
            if (class_points(table, pclass(kb, lead)) < 0) {
                top_outside = lead;
            } else {
                for (size_t k = 0; k < kb->n_syndromes; k++) {
                    int s = e->order[k];
                    if (e->score[s] < PN_SUSPECT_SCORE || e->score[s] < 0.5 * e->score[lead])
                        break;
                    if (strcmp(kb->syndromes[s].system, "nervous") != 0 ||
                        strcmp(kb->syndromes[s].kind, "paraneoplastic") != 0 || !established(e, s))
                        continue;
                    int p = class_points(table, pclass(kb, s));
                    if (p > best_pts)
                        best = s, best_pts = p;
                }
            }
        }
    }
    if (best < 0) {
        int s = outside_named ? -1 : top_outside;
        for (size_t i = 0; s < 0 && i < c->n_phenotypes; i++)
            if (c->phenotypes[i] >= 0)
                s = c->phenotypes[i];
        if (s >= 0) {
            json_t *pc = json_object_get(kb->syndromes[s].obj, "pns_care");
            snprintf(buf, sizeof buf,
                     "%s is outside the 2021 PNS criteria%s%s; use its own criteria instead",
                     kb->syndromes[s].name, pn__jstr(pc, "reason") ? ": " : "",
                     pn__jstr(pc, "reason") ? pn__jstr(pc, "reason") : "");
            note(notes, "Source: %s.", pn__src_text(e, pc));
        } else {
            snprintf(buf, sizeof buf, "%s",
                     named ? "the named phenotype is not a neurological syndrome covered by the 2021 "
                             "PNS criteria"
                           : "no neurological paraneoplastic phenotype is suspected in this case");
        }
        json_object_set_new(e->report, "pns_care", not_applicable(buf, notes));
        return PN_OK;
    }
    const char *cls = pclass(kb, best);

    /* 2. the antibody: the highest-risk positive one */
    int ab = -1, ab_pts = 0;
    const char *ab_risk = "negative";
    for (size_t a = 0; a < kb->n_antibodies; a++) {
        if (e->obs.abs[a].state != AB_POS)
            continue;
        const char *risk = kb->antibodies[a].risk;
        if (strcmp(risk, "not-meaningful") == 0) {
            note(notes, "Anti-%s counts for nothing: %s", kb->antibodies[a].id,
                 pn__jstr(kb->antibodies[a].obj, "note") ? pn__jstr(kb->antibodies[a].obj, "note")
                                                         : "the 2021 criteria do not accept it");
            continue;
        }
        int p = points(table, "antibody", risk);
        if (ab < 0 || p > ab_pts) {
            ab = (int)a;
            ab_pts = p;
            ab_risk = risk;
        }
        if (e->obs.abs[a].weak_only)
            note(notes,
                 "Anti-%s is positive by line blot or immunoblot only: confirm it by tissue-based "
                 "indirect immunofluorescence before relying on it.",
                 kb->antibodies[a].id);
    }

    /* 3. the cancer */
    json_t *cancer_t = json_object_get(table, "cancer");
    int cancer_pts = -1;
    const char *cancer_state = NULL;
    int cancer_idx = -1;
    json_t *consistency_ref = ab >= 0 && json_array_size(json_object_get(kb->antibodies[ab].obj, "tumours"))
                                  ? kb->antibodies[ab].obj
                                  : kb->syndromes[best].obj;
    for (size_t i = 0; i < c->n_cancers; i++) {
        const pn_cancer *k = &c->cancers[i];
        if (k->status == PN_CANCER_SUSPECTED || k->tumour < 0)
            continue;
        if (lists_tumour(kb, consistency_ref, k->tumour)) {
            cancer_pts = points(table, "cancer", "consistent");
            cancer_state = "consistent";
            cancer_idx = (int)i;
            break;
        }
        if (k->antigen == PN_ANTIGEN_SHOWN) {
            cancer_pts = points(table, "cancer", "antigen_shown");
            cancer_state = "antigen-expressed";
            cancer_idx = (int)i;
        } else if (cancer_idx < 0) {
            cancer_state = "inconsistent";
            cancer_idx = (int)i;
        }
    }
    double months = -1;
    if (cancer_pts < 0) {
        int32_t start = c->screening.first_negative != PN_NO_DATE ? c->screening.first_negative
                                                                  : e->obs.onset;
        int limit = points(table, "cancer", "followup_months");
        if (start != PN_NO_DATE) {
            months = (c->as_of - start) / 30.4375;
            cancer_pts = months < limit ? points(table, "cancer", "none_lt_followup")
                                        : points(table, "cancer", "none_ge_followup");
        } else {
            cancer_pts = points(table, "cancer", "none_lt_followup");
            note(notes, "Follow-up start unknown (no first negative screening or symptom onset): "
                        "counted as under %d months.",
                 limit);
        }
        if (!cancer_state)
            cancer_state = "not-found";
        else
            note(notes,
                 "The known %s is not consistent with this phenotype and antibody and its antigen "
                 "expression is not shown: it scores as no cancer found.",
                 kb->tumours[c->cancers[cancer_idx].tumour].name);
    }

    int score = best_pts + ab_pts + cancer_pts;
    const char *level = "non-pns";
    int level_min = -1;
    size_t i;
    json_t *lv;
    json_array_foreach(json_object_get(table, "levels"), i, lv) {
        int m = (int)json_integer_value(json_object_get(lv, "min"));
        if (score >= m && m > level_min) {
            level = pn__jstr(lv, "level");
            level_min = m;
        }
    }
    /* Opsoclonus-myoclonus (the KB names the syndrome): definite without an
     * antibody when the cancer fits. */
    json_t *oms = json_object_get(table, "oms_exception");
    if (oms && strcmp(kb->syndromes[best].id, pn__jstr(oms, "syndrome")) == 0 &&
        cancer_state && strcmp(cancer_state, "consistent") == 0 && ab_pts == 0) {
        level = "definite";
        note(notes, "%s (%s)", pn__jstr(oms, "text"), pn__src_text(e, oms));
    }
    /* A better explanation overrides the score (Graus 2004: exclude other causes). */
    /* the best-supported entry of the differential (listed entries only:
     * a mimic needs evidence of its own to be a better explanation), and
     * one that accounts for the phenotype's picture (explains) */
    json_t *first = json_array_get(json_object_get(e->report, "differential"), 0);
    int top = first ? pn__kb_find(kb, PN_SEC_SYNDROMES, pn__jstr(first, "id")) : -1;
    if (top >= 0 && strcmp(kb->syndromes[top].kind, "mimic") == 0 && e->score[top] >= 0.5 &&
        e->score[top] > e->score[best] && explains(e, top, best)) {
        level = "non-pns";
        note(notes,
             "A better explanation is likely (%s, score %.2f): a paraneoplastic diagnosis requires "
             "that other causes are excluded (PMID:15258215).",
             kb->syndromes[top].name, e->score[top]);
    }
    json_t *prov = json_array();
    const char *parts[] = {"phenotype", "antibody", "cancer"};
    for (size_t p = 0; p < 3; p++)
        if (strcmp(pn__jstr(json_object_get(table, parts[p]), "grade"), "provisional") == 0)
            json_array_append_new(prov, json_string(parts[p]));
    json_array_foreach(json_object_get(table, "levels"), i, lv) if (strcmp(pn__jstr(lv, "grade"),
                                                                           "provisional") == 0)
        json_array_append_new(prov, json_pack("s", pn__jstr(lv, "level")));
    if (json_array_size(prov)) {
        char parts_s[200] = "";
        size_t k = 0;
        json_t *pv;
        json_array_foreach(prov, i, pv) k += (size_t)snprintf(parts_s + k, sizeof parts_s - k, "%s%s",
                                                              i ? ", " : "", json_string_value(pv));
        note(notes,
             "Provisional: these parts of the PNS-Care table are not yet verified against the "
             "paper's tables: %s.",
             parts_s);
    }
    json_decref(prov);

    json_t *o = json_object();
    json_object_set_new(o, "applicable", json_true());
    json_object_set_new(o, "phenotype",
                        json_pack("{s:s, s:s, s:s, s:i, s:b, s:s}", "id", kb->syndromes[best].id, "name",
                                  kb->syndromes[best].name, "risk", cls, "points", best_pts,
                                  "named_by_clinician", named, "source",
                                  pn__src_text(e, json_object_get(table, "phenotype"))));
    json_t *abj = json_pack("{s:s?, s:s, s:i, s:s}", "target", ab >= 0 ? kb->antibodies[ab].id : NULL,
                            "risk", ab_risk, "points", ab_pts, "source",
                            pn__src_text(e, json_object_get(table, "antibody")));
    if (ab >= 0 && json_object_get(kb->antibodies[ab].obj, "cancer_pct"))
        json_object_set_new(abj, "cancer_pct",
                            json_real(pn__jnum(kb->antibodies[ab].obj, "cancer_pct", 0)));
    json_object_set_new(o, "antibody", abj);
    json_t *cj = json_pack("{s:s, s:i, s:s}", "state", cancer_state, "points", cancer_pts, "source",
                           pn__src_text(e, cancer_t));
    if (cancer_idx >= 0 && c->cancers[cancer_idx].tumour >= 0)
        json_object_set_new(cj, "tumour", json_string(kb->tumours[c->cancers[cancer_idx].tumour].id));
    if (months >= 0)
        json_object_set_new(cj, "follow_up_months", json_real(round(months * 10) / 10));
    json_object_set_new(o, "cancer", cj);
    json_object_set_new(o, "score", json_integer(score));
    json_object_set_new(o, "level", json_string(level));
    json_object_set_new(o, "notes", notes);
    json_object_set_new(e->report, "pns_care", o);
    return PN_OK;
}
