/* differential.c - every syndrome and mimic scored by Bayes' rule.
 *
 * score = posterior probability from the prior (by known-cancer status) and
 * the likelihood ratio of every evidence item the KB links to the syndrome
 * and the case informs (docs/model.md).  What the KB says nothing about is
 * neutral; a present finding that argues against a syndrome stops counting
 * when another likely condition of the case explains it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine_int.h"
#include "util/date.h"

/* Modelling constants (MODEL:paraneo-bayes, docs/model.md). */
#define LR_MIN 1e-3
#define LR_MAX 1e3
#define COURSE_LR_MIN 0.1
#define COURSE_LR_MAX 3.0
#define PRIOR_MIN 1e-7
#define REFERRAL_FACTOR 30.0 /* prior odds: population -> patients under evaluation */
#define PRIOR_MAX 0.5
#define EXPLAINED_BY 0.5 /* another condition this likely can explain a finding away */
#define DOMINANT_MIN 0.9      /* a condition this likely, and ... */
#define DOMINANT_ODDS 20.0    /* ...this many times likelier, explains shared findings */
#define OBLIGATE_CAP 0.15     /* score limit while a defining finding is unknown */
#define CRITERIA_LR_MET 8.0   /* a syndrome's formal criteria met: sens 0.8, spec 0.9 */
#define CRITERIA_LR_NOT 0.25  /* ...and every set of them clearly not met */

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

typedef struct item_eval {
    bool applies;
    bool pos;          /* observed present / holds */
    double scale;      /* exponent on the LR (weak assay, generic tumour): 1 or 0.5 */
    bool clinical;     /* a finding, antibody, drug, treatment, tumour or criteria item */
    char key[96];      /* "finding:HP:...", "antibody:Hu", ... */
    char detail[200];
} item_eval;

static void lab_detail(const pn_eval *e, int lab, char *out, size_t n)
{
    const pn_lab_result *r = &e->c->labs[lab];
    snprintf(out, n, " (from %s %g %s)", r->name ? r->name : r->loinc, r->value,
             r->unit ? r->unit : "");
}

static item_eval evaluate_item(const pn_eval *e, const pn_kb_ev *ev, bool build)
{
/* texts are only written when the report's evidence list is being built */
#define TEXT(buf, ...)                                                                          \
    do {                                                                                        \
        if (build)                                                                              \
            snprintf(buf, sizeof buf, __VA_ARGS__);                                              \
    } while (0)
    item_eval v = {.scale = 1.0};
    const pn_kb *kb = e->kb;
    const pn_case *c = e->c;
    const pn_obs *o = &e->obs;
    const char *s = ev->name;
    /* What can list a syndrome: its findings, antibodies, criteria.  A known
     * tumour, drug or treatment raises the odds of what it causes but is not
     * itself a clinical picture: lung cancer alone lists no encephalomyelitis. */
    v.clinical = ev->kind == PN_EV_FINDING || ev->kind == PN_EV_ANTIBODY ||
                 ev->kind == PN_EV_CRITERIA;
    switch (ev->kind) {
    case PN_EV_FINDING: {
        int t = ev->target, f, lab;
        TEXT(v.key, "finding:%s", s);
        pn_obs_state st = t < 0 ? OBS_UNKNOWN : pn__obs_term(o, t, &f, &lab);
        if (st == OBS_UNKNOWN)
            return v;
        v.applies = true;
        v.pos = st == OBS_PRESENT;
        char from[120] = "";
        if (lab >= 0 && build)
            lab_detail(e, lab, from, sizeof from);
        TEXT(v.detail, "%s %s%s", kb->terms[t].label, v.pos ? "present" : "absent", from);
        break;
    }
    case PN_EV_ANTIBODY: {
        int a = ev->target;
        TEXT(v.key, "antibody:%s", s);
        if (a < 0 || (o->abs[a].state != AB_POS && o->abs[a].state != AB_NEG))
            return v;
        v.applies = true;
        v.pos = o->abs[a].state == AB_POS;
        if (v.pos && o->abs[a].weak_only) {
            v.scale = 0.5;
            TEXT(v.detail,
                 "anti-%s positive by a weak method only (confirm by tissue IIF): counted at half "
                 "weight",
                 s);
        } else {
            TEXT(v.detail, "anti-%s %s", s, v.pos ? "positive" : "negative");
        }
        break;
    }
    case PN_EV_DRUG: {
        int d = ev->target;
        const pn_drug_use *use = NULL;
        TEXT(v.key, "drug:%s", s);
        if (pn__obs_drug(o, d, false, &use)) {
            int32_t ref = o->onset != PN_NO_DATE ? o->onset : c->as_of;
            if (ev->window && use->start != PN_NO_DATE) {
                int32_t days = ref - use->start;
                if (days < ev->a || days > ev->b)
                    return v; /* taken, but not in the window this drug acts in */
                TEXT(v.detail, "%s started %d days before the symptoms",
                     use->name ? use->name : use->atc, days);
            } else {
                TEXT(v.detail, "%s taken", use->name ? use->name : use->atc);
            }
            v.applies = v.pos = true;
        } else if (c->medications_given) {
            v.applies = true;
            TEXT(v.detail, "no %s among the medications", kb->drugs[d].name);
        }
        break;
    }
    case PN_EV_TREATMENT: {
        int d = ev->target;
        const pn_drug_use *use = NULL;
        TEXT(v.key, "treatment:%s", s);
        bool used = pn__obs_drug(o, d, true, &use) || pn__obs_drug(o, d, false, &use);
        if (used && ev->has_within && use->end != PN_NO_DATE && c->as_of - use->end > ev->within)
            used = false;
        if (used) {
            v.applies = v.pos = true;
            char end[11] = "ongoing";
            if (use->end != PN_NO_DATE)
                pn__date_format(use->end, end);
            TEXT(v.detail, "%s (%s%s)", use->name ? use->name : use->kind,
                 use->end != PN_NO_DATE ? "ended " : "", end);
        } else if (c->treatments_given || c->medications_given) {
            v.applies = true;
            TEXT(v.detail, "no recent %s", kb->drugs[d].name);
        }
        break;
    }
    case PN_EV_TUMOUR: {
        int t = ev->target;
        TEXT(v.key, "tumour:%s", s);
        for (size_t i = 0; i < c->n_cancers && !v.applies; i++) {
            int ct = c->cancers[i].tumour;
            if (pn__kb_tumour_related(kb, ct, t)) {
                v.applies = v.pos = true;
                /* a cancer of unstated histology only half-matches a specific one */
                if (ct != t && kb->tumours[t].group == ct)
                    v.scale = 0.5;
                TEXT(v.detail, "known %s", kb->tumours[ct].name);
            }
        }
        if (!v.applies && c->cancers_given) {
            v.applies = true;
            TEXT(v.detail, "no known %s", kb->tumours[t].name);
        }
        break;
    }
    case PN_EV_CRITERIA: {
        const pn_crit_result *r = ev->target >= 0 ? &e->crit[ev->target] : NULL;
        TEXT(v.key, "criteria:%s", s);
        if (!r || r->met < 0)
            return v;
        v.applies = true;
        v.pos = r->met == 1;
        TEXT(v.detail, "%s %s", pn__jstr(kb->sec[PN_SEC_CRITERIA].items[r->set].obj, "name"),
             v.pos ? "met" : "not met");
        break;
    }
    case PN_EV_SEX:
        TEXT(v.key, "sex:%s", s);
        if (c->patient.sex != PN_SEX_FEMALE && c->patient.sex != PN_SEX_MALE)
            return v;
        v.applies = true;
        v.pos = (ev->target == 1) == (c->patient.sex == PN_SEX_FEMALE);
        TEXT(v.detail, "%s", pn__sex_names[c->patient.sex]);
        break;
    case PN_EV_SMOKING:
        TEXT(v.key, "smoking:%s", s);
        if (c->patient.smoking == PN_SMOKE_UNKNOWN)
            return v;
        v.applies = true;
        v.pos = (int)c->patient.smoking == ev->target;
        TEXT(v.detail, "smoking %s", pn__smoking_names[c->patient.smoking]);
        break;
    case PN_EV_AGE:
        TEXT(v.key, "age:%g-%g", ev->a, ev->b);
        if (!c->patient.has_age)
            return v;
        v.applies = true;
        v.pos = c->patient.age >= ev->a && c->patient.age < ev->b;
        TEXT(v.detail, "age %g", c->patient.age);
        break;
    }
    return v;
#undef TEXT
}

/* Adds one evidence entry (when ev is not NULL); returns ln(LR) applied. */
static double add_evidence(pn_eval *e, json_t *ev, bool clinical, const char *key, const char *detail,
                           double lr, const char *basis, json_t *fact, bool neutralised, const char *why)
{
    lr = clamp(lr, LR_MIN, LR_MAX);
    double w = neutralised ? 0 : log(lr);
    if (!neutralised && lr >= PN_LIST_MIN_LR && clinical)
        e->specific_cur = true;
    if (!ev)
        return w; /* scoring only: the report's JSON is built for listed entries */
    json_t *o = json_object();
    json_object_set_new(o, "item", json_string(key));
    json_object_set_new(o, "effect", json_string(neutralised || fabs(w) < 1e-9 ? "neutral"
                                                 : w > 0                       ? "for"
                                                                               : "against"));
    json_object_set_new(o, "weight", json_real(round(w * 100) / 100));
    json_object_set_new(o, "lr", json_real(round(lr * 1000) / 1000));
    json_object_set_new(o, "detail", json_string(detail));
    json_object_set_new(o, "basis", json_string(basis));
    if (why)
        json_object_set_new(o, "explained_by", json_string(why));
    if (fact) {
        json_object_set_new(o, "source", json_string(pn__src_text(e, fact)));
        json_object_set_new(o, "grade", json_string(pn__jstr(fact, "grade")));
    }
    json_array_append_new(ev, o);
    return w;
}

/* Which other syndrome (likely enough) has this finding as evidence for it? */
static int explainer(const pn_eval *e, int self, int term)
{
    int best = -1;
    for (size_t s = 0; s < e->kb->n_syndromes; s++) {
        if ((int)s == self || e->first[s] < EXPLAINED_BY)
            continue;
        const pn_kb_syndrome *sy = &e->kb->syndromes[s];
        for (size_t i = 0; i < sy->n_ev; i++)
            if (sy->ev[i].kind == PN_EV_FINDING && sy->ev[i].target == term &&
                sy->ev[i].lr_pos > 1 && (best < 0 || e->first[s] > e->first[best]))
                best = (int)s;
    }
    return best;
}

/* Which other syndrome, likely and far likelier than this one, also has
 * this present finding as evidence for it?  Then the finding is explained
 * and stops counting for this one: a Hu-positive sensory neuronopathy
 * accounts for the paraesthesia, which no longer argues for a diabetic
 * neuropathy in a patient without diabetes (explaining away, as in a
 * noisy-OR network; docs/model.md).  Applied to mimics only. */
static int dominant_explainer(const pn_eval *e, int self, int term)
{
    int best = -1;
    for (size_t s = 0; s < e->kb->n_syndromes; s++) {
        if ((int)s == self || e->first[s] < DOMINANT_MIN ||
            e->first_lo[s] - e->first_lo[self] < log(DOMINANT_ODDS))
            continue;
        const pn_kb_syndrome *sy = &e->kb->syndromes[s];
        for (size_t i = 0; i < sy->n_ev; i++)
            if (sy->ev[i].kind == PN_EV_FINDING && sy->ev[i].target == term &&
                sy->ev[i].lr_pos > 1 && (best < 0 || e->first_lo[s] > e->first_lo[best]))
                best = (int)s;
    }
    return best;
}

static double prior_of(const pn_eval *e, const pn_kb_syndrome *sy)
{
    double prev = clamp(e->obs.cancer_known ? sy->prior_cancer : sy->prior_no_cancer, PRIOR_MIN,
                        PRIOR_MAX);
    /* from the population to the patients under evaluation (docs/model.md) */
    double odds = prev / (1 - prev) * REFERRAL_FACTOR;
    return clamp(odds / (1 + odds), PRIOR_MIN, PRIOR_MAX);
}

/* Scores syndrome s; with explain=true, present findings against it that a
 * likely other condition explains are neutralised; with build=true the
 * evidence list of the report is built too. */
/* The course of the illness this syndrome would explain: that of the
 * earliest dated finding among the syndrome's own findings (a diabetes on
 * the problem list since 2010 does not make a new neuropathy chronic), else
 * the case's. */
static pn_course syndrome_course(const pn_eval *e, const pn_kb_syndrome *sy)
{
    int32_t first = PN_NO_DATE;
    pn_course course = PN_COURSE_NONE;
    for (size_t i = 0; i < sy->n_ev; i++) {
        const pn_kb_ev *it = &sy->ev[i];
        int fi = -1;
        if (it->kind != PN_EV_FINDING || it->target < 0 ||
            pn__obs_term(&e->obs, it->target, &fi, NULL) != OBS_PRESENT || fi < 0)
            continue;
        const pn_finding *f = &e->c->findings[fi];
        if (f->onset != PN_NO_DATE && f->course != PN_COURSE_NONE &&
            (first == PN_NO_DATE || f->onset < first)) {
            first = f->onset;
            course = f->course;
        }
    }
    return course != PN_COURSE_NONE ? course : e->obs.course;
}

static void score_one(pn_eval *e, size_t s, bool explain, bool build)
{
    const pn_kb_syndrome *sy = &e->kb->syndromes[s];
    json_t *ev = build ? json_array() : NULL;
    e->specific_cur = false;
    e->symptomatic_cur = 0;
    e->antibody_backed_cur = false;
    e->own_proof_cur = false;
    double prior = prior_of(e, sy);
    double lo = log(prior / (1 - prior));
    for (size_t i = 0; i < sy->n_ev; i++) {
        const pn_kb_ev *it = &sy->ev[i];
        item_eval v = evaluate_item(e, it, build);
        if (!v.applies)
            continue;
        double lr = v.pos ? it->lr_pos : it->lr_neg;
        if (lr <= 0)
            continue; /* no figure for this direction: neutral, not listed */
        lr = pow(lr, v.scale);
        const char *why = NULL;
        bool neutral = false;
        if (explain && v.pos && it->kind == PN_EV_FINDING && lr != 1) {
            /* Only alternatives lose shared findings to a dominant
             * condition: a paraneoplastic syndrome keeps its own (missing
             * one costs more than listing one). */
            bool alternative = strcmp(sy->kind, "paraneoplastic") != 0;
            int x = lr < 1 ? explainer(e, (int)s, it->target)
                    : alternative ? dominant_explainer(e, (int)s, it->target)
                                  : -1;
            if (x >= 0) {
                neutral = true;
                why = e->kb->syndromes[x].id;
            }
        }
        if (!neutral && v.pos && it->kind == PN_EV_FINDING && lr >= PN_LIST_MIN_LR)
            e->symptomatic_cur++;
        if (v.pos && it->kind == PN_EV_ANTIBODY && lr >= PN_LIST_MIN_LR)
            e->antibody_backed_cur = true;
        if (!neutral && lr >= PN_OWN_PROOF_LR && strncmp(it->basis, "frequency", 9) != 0)
            e->own_proof_cur = true;
        lo += add_evidence(e, ev, v.clinical, v.key, v.detail, lr, it->basis, it->obj, neutral, why);
    }
    json_t *model = build ? json_pack("{s:s, s:s}", "src", "MODEL:paraneo-bayes", "grade", "provisional")
                          : NULL;
    /* The syndrome's own formal criteria, when the KB gives no figure for
     * them: met counts once (any of its sets), not met only when every set is
     * decided and none is met. */
    if (!sy->has_criteria_item) {
        int met = -2; /* -2 none, 1 any met, 0 all not met, -1 some unknown */
        const char *name = NULL;
        for (size_t k = 0; k < e->n_crit; k++) {
            if (e->crit[k].syndrome != (int)s)
                continue;
            int m = e->crit[k].met;
            if (m == 1 && met != 1) {
                met = 1;
                name = pn__jstr(e->kb->sec[PN_SEC_CRITERIA].items[e->crit[k].set].obj, "name");
            } else if (m == -1 && met != 1) {
                met = -1;
            } else if (m == 0 && met == -2) {
                met = 0;
                name = pn__jstr(e->kb->sec[PN_SEC_CRITERIA].items[e->crit[k].set].obj, "name");
            }
        }
        if (met == 1 || met == 0) {
            char key[96] = "", detail[200] = "";
            if (build) {
                snprintf(key, sizeof key, "criteria:%s", sy->id);
                snprintf(detail, sizeof detail, "%s %s", name, met ? "met" : "not met");
            }
            lo += add_evidence(e, ev, true, key, detail, met ? CRITERIA_LR_MET : CRITERIA_LR_NOT,
                               "formal criteria (model likelihood ratio)", model, false, NULL);
        }
    }
    const pn_course cs = syndrome_course(e, sy);
    if (sy->course_obj && cs != PN_COURSE_NONE) {
        double share = sy->course[cs];
        double lr = clamp(share / (1.0 / 3.0), COURSE_LR_MIN, COURSE_LR_MAX);
        char key[64] = "", detail[96] = "";
        if (build) {
            snprintf(key, sizeof key, "course:%s", pn__course_names[cs]);
            snprintf(detail, sizeof detail, "%s onset (%.0f%% of patients with this syndrome)",
                     pn__course_names[cs], share * 100);
        }
        lo += add_evidence(e, ev, false, key, detail, lr, "share of patients by course", sy->course_obj,
                           false, NULL);
    }
    /* A syndrome defined by a finding (frequency "obligate") cannot be
     * established while that finding is unknown: it stays below the level
     * that drives workup and treatment, and says what to record. */
    for (size_t i = 0; i < sy->n_ev; i++) {
        const pn_kb_ev *it = &sy->ev[i];
        int t = it->target;
        if (!it->obligate || t < 0 || pn__obs_term(&e->obs, t, NULL, NULL) != OBS_UNKNOWN)
            continue;
        double cap = log(OBLIGATE_CAP / (1 - OBLIGATE_CAP));
        if (lo > cap) {
            char key[96] = "", detail[200] = "";
            if (build) {
                snprintf(key, sizeof key, "missing:%s", it->name);
                snprintf(detail, sizeof detail,
                         "%s is not recorded: it defines this syndrome, record or measure it",
                         e->kb->terms[t].label);
            }
            add_evidence(e, ev, false, key, detail, 1.0, "defining finding unknown: score capped", model,
                         true, NULL);
            lo = cap;
        }
    }
    json_decref(model);
    e->logodds[s] = lo;
    e->score[s] = 1.0 / (1.0 + exp(-lo));
    e->specific[s] = e->specific_cur;
    e->symptomatic[s] = e->symptomatic_cur;
    e->antibody_backed[s] = e->antibody_backed_cur;
    e->own_proof[s] = e->own_proof_cur;
    if (build) {
        json_decref(e->evidence[s]);
        e->evidence[s] = ev;
    }
}

/* Has entry a a finding "for" it that entry b does not also count "for"? */
static bool own_finding(json_t *a, json_t *b)
{
    size_t i, k;
    json_t *x, *y;
    json_array_foreach(json_object_get(a, "evidence"), i, x) {
        const char *item = pn__jstr(x, "item");
        if (strncmp(item, "finding:", 8) != 0 || strcmp(pn__jstr(x, "effect"), "for") != 0)
            continue;
        bool shared = false;
        json_array_foreach(json_object_get(b, "evidence"), k, y) shared |=
            strcmp(pn__jstr(y, "item"), item) == 0 && strcmp(pn__jstr(y, "effect"), "for") == 0;
        if (!shared)
            return true;
    }
    return false;
}

static _Thread_local const pn_eval *sort_ctx; /* per thread: the KB may be shared by threads */
static int by_score(const void *a, const void *b)
{
    double x = sort_ctx->score[*(const int *)a], y = sort_ctx->score[*(const int *)b];
    return x < y ? 1 : x > y ? -1 : *(const int *)a - *(const int *)b;
}

/* ln of the evidence ratio (posterior odds over prior odds). */
static double evidence_ratio(const pn_eval *e, size_t s)
{
    double p = prior_of(e, &e->kb->syndromes[s]);
    return e->logodds[s] - log(p / (1 - p));
}

pn_status pn__differential(pn_eval *e)
{
    size_t n = e->kb->n_syndromes;
    e->logodds = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->logodds);
    e->score = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->score);
    e->evidence = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->evidence);
    e->order = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->order);
    e->specific = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->specific);
    e->symptomatic = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->symptomatic);
    e->antibody_backed = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->antibody_backed);
    e->own_proof = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->own_proof);
    if (!e->logodds || !e->score || !e->evidence || !e->order || !e->specific || !e->symptomatic ||
        !e->antibody_backed || !e->own_proof)
        return PN_ENOMEM;
    for (size_t s = 0; s < n; s++)
        score_one(e, s, false, false);
    /* explaining away needs the first-pass scores of everyone else */
    e->first = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->first);
    if (!e->first)
        return PN_ENOMEM;
    memcpy(e->first, e->score, n * sizeof *e->first);
    e->first_lo = pn__arena_alloc(&e->arena, (n + 1) * sizeof *e->first_lo);
    if (!e->first_lo)
        return PN_ENOMEM;
    memcpy(e->first_lo, e->logodds, n * sizeof *e->first_lo);
    for (size_t s = 0; s < n; s++)
        score_one(e, s, true, false);
    for (size_t s = 0; s < n; s++)
        e->order[s] = (int)s;
    sort_ctx = e;
    qsort(e->order, n, sizeof *e->order, by_score);
    sort_ctx = NULL;

    json_t *diff = json_array();
    for (size_t k = 0; k < n; k++) {
        int s = e->order[k];
        const pn_kb_syndrome *sy = &e->kb->syndromes[s];
        bool named = false;
        for (size_t i = 0; i < e->c->n_phenotypes; i++)
            named |= e->c->phenotypes[i] == s;
        double ratio = evidence_ratio(e, (size_t)s);
        if (!named && (ratio < log(PN_LIST_MIN_LR) || e->score[s] < PN_LIST_MIN_SCORE ||
                       !e->specific[s]))
            continue;
        score_one(e, (size_t)s, true, true); /* same numbers, now with the evidence list */
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(sy->id));
        json_object_set_new(o, "name", json_string(sy->name));
        json_object_set_new(o, "system", json_string(sy->system));
        json_object_set_new(o, "kind", json_string(sy->kind));
        json_object_set_new(o, "score", json_real(round(e->score[s] * 1000) / 1000));
        json_object_set_new(o, "evidence_ratio", json_real(round(exp(ratio) * 100) / 100));
        json_t *prior = sy->prior_obj;
        json_object_set_new(o, "prior", json_pack("{s:f, s:s, s:s}", "value", prior_of(e, sy),
                                                  "basis", e->obs.cancer_known ? "known cancer" : "no known cancer",
                                                  "source", pn__src_text(e, prior)));
        if (named)
            json_object_set_new(o, "named_by_clinician", json_true());
        json_object_set_new(o, "evidence", json_incref(e->evidence[s]));
        json_t *codes = json_object();
        json_t *kc = json_object_get(sy->obj, "codes");
        const char *sys[] = {"icd10cm", "snomed"};
        for (int i = 0; i < 2; i++) {
            json_t *first_code = json_array_get(json_object_get(kc, sys[i]), 0);
            if (first_code)
                json_object_set_new(codes, sys[i], json_string(pn__jstr(first_code, "code")));
        }
        json_object_set_new(o, "codes", codes);
        json_array_append_new(diff, o);
    }
    /* concurrent conditions: two likely entries, each with a clinical finding
     * for it that the other does not claim */
    size_t nd = json_array_size(diff);
    for (size_t a = 0; a < nd; a++) {
        json_t *A = json_array_get(diff, a);
        if (json_real_value(json_object_get(A, "score")) < EXPLAINED_BY)
            continue;
        for (size_t b = a + 1; b < nd; b++) {
            json_t *B = json_array_get(diff, b);
            if (json_real_value(json_object_get(B, "score")) < EXPLAINED_BY || !own_finding(A, B) ||
                !own_finding(B, A))
                continue;
            json_t *ca = json_object_get(A, "concurrent_with");
            if (!ca)
                json_object_set_new(A, "concurrent_with", ca = json_array());
            json_array_append_new(ca, json_string(pn__jstr(B, "id")));
            json_t *cb = json_object_get(B, "concurrent_with");
            if (!cb)
                json_object_set_new(B, "concurrent_with", cb = json_array());
            json_array_append_new(cb, json_string(pn__jstr(A, "id")));
        }
    }
    json_object_set_new(e->report, "differential", diff);
    return PN_OK;
}

