/* cancer.c - where to look for an occult tumour, the tests to order, and
 * when to repeat the search (EFNS task force, PMID 20880069).
 *
 * A tumour's suspicion combines independent pointers, 1 - prod(1 - w):
 * each positive antibody (weight: its tumour share times its cancer
 * association) and each likely paraneoplastic syndrome (its score times the
 * tumour's share).  Tumours of the other sex are dropped. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/engine_int.h"
#include "util/date.h"

#define DEFAULT_SHARE 0.3  /* a listed tumour without a share (MODEL:paraneo-bayes) */
#define MAX_SUSPECTED 5
#define WORKUP_MIN 0.10

typedef struct tsus {
    double miss;   /* product of (1 - w) */
    json_t *why;
} tsus;

static bool sex_ok(const pn_eval *e, int t)
{
    int sex = e->kb->tumours[t].sex;
    return sex == 0 || (sex == 1 && e->c->patient.sex != PN_SEX_MALE) ||
           (sex == 2 && e->c->patient.sex != PN_SEX_FEMALE);
}

static void add(pn_eval *e, tsus *ts, int t, double w, const char *why)
{
    if (t < 0 || w <= 0 || !sex_ok(e, t))
        return;
    if (w > 0.99)
        w = 0.99;
    ts[t].miss *= 1 - w;
    if (!ts[t].why)
        ts[t].why = json_array();
    json_array_append_new(ts[t].why, json_string(why));
}

/* The known active cancer that makes an occult-tumour search moot, or -1. */
static int known_cancer_explains(const pn_eval *e)
{
    /* An active known cancer that a likely syndrome is associated with: the
     * search for an occult tumour is not the question. */
    for (size_t i = 0; i < e->c->n_cancers; i++) {
        const pn_cancer *k = &e->c->cancers[i];
        if (k->status != PN_CANCER_ACTIVE || k->tumour < 0)
            continue;
        for (size_t s = 0; s < e->kb->n_syndromes; s++) {
            if (e->score[s] < PN_SUSPECT_SCORE)
                continue;
            size_t j;
            json_t *it;
            json_array_foreach(json_object_get(e->kb->syndromes[s].obj, "tumours"), j, it) {
                int t = pn__kb_find(e->kb, PN_SEC_TUMOURS, pn__jstr(it, "tumour"));
                if (pn__kb_tumour_related(e->kb, t, k->tumour))
                    return (int)i;
            }
            if (strcmp(e->kb->syndromes[s].kind, "mimic") == 0 && s == (size_t)e->order[0])
                return (int)i; /* a mimic explains the picture best; the cancer is under care */
        }
    }
    return -1;
}

/* A paraneoplastic syndrome drives the tumour search only when no mimic of
 * its body system (or a system-wide one: metastasis, treatment toxicity)
 * explains the picture better. */
static bool outranked_by_mimic(const pn_eval *e, int s)
{
    const pn_kb *kb = e->kb;
    for (size_t m = 0; m < kb->n_syndromes; m++) {
        if (strcmp(kb->syndromes[m].kind, "mimic") != 0 || e->score[m] <= e->score[s])
            continue;
        if (strcmp(kb->syndromes[m].system, kb->syndromes[s].system) == 0 ||
            strcmp(kb->syndromes[m].system, "other") == 0)
            return true;
    }
    return false;
}

static pn_status suspected(pn_eval *e, int *ranked, size_t *n_ranked, double *scores)
{
    const pn_kb *kb = e->kb;
    tsus *ts = pn__arena_alloc(&e->arena, (kb->n_tumours + 1) * sizeof *ts);
    if (!ts)
        return PN_ENOMEM;
    for (size_t t = 0; t < kb->n_tumours; t++)
        ts[t] = (tsus){1.0, NULL};
    char why[200];
    for (size_t a = 0; a < kb->n_antibodies; a++) {
        if (e->obs.abs[a].state != AB_POS || strcmp(kb->antibodies[a].risk, "not-meaningful") == 0)
            continue;
        /* share: the fraction of antibody-positive patients with that tumour;
         * without one, half the antibody's cancer association */
        double assoc = pn__jnum(kb->antibodies[a].obj, "cancer_pct", 50) / 100;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(kb->antibodies[a].obj, "tumours"), i, it) {
            int t = pn__kb_find(kb, PN_SEC_TUMOURS, pn__jstr(it, "tumour"));
            double share = pn__jnum(it, "share", assoc * 0.5);
            snprintf(why, sizeof why, "antibody:%s (%s in %.0f%% of positive patients; %s)",
                     kb->antibodies[a].id, kb->tumours[t].name, share * 100, pn__src_text(e, it));
            if (!e->obs.abs[a].weak_only) /* confirm a weak-assay result first */
                add(e, ts, t, share, why);
        }
    }
    /* Likely syndromes are alternative explanations of one picture, not
     * independent pointers: per tumour the strongest one counts. */
    double *best = pn__arena_alloc(&e->arena, (kb->n_tumours + 1) * sizeof *best);
    char **best_why = pn__arena_alloc(&e->arena, (kb->n_tumours + 1) * sizeof *best_why);
    if (!best || !best_why)
        return PN_ENOMEM;
    for (size_t k = 0; k < kb->n_syndromes; k++) {
        int s = e->order[k];
        if (e->score[s] < PN_SUSPECT_SCORE)
            break;
        if (strcmp(kb->syndromes[s].kind, "paraneoplastic") != 0 || outranked_by_mimic(e, s))
            continue;
        json_t *tl = json_object_get(kb->syndromes[s].obj, "tumours");
        /* a tumour listed without a share gets half the smallest share given */
        double min_share = 1;
        bool any_share = false;
        size_t i;
        json_t *it;
        json_array_foreach(tl, i, it) if (json_object_get(it, "share")) {
            any_share = true;
            if (pn__jnum(it, "share", 1) < min_share)
                min_share = pn__jnum(it, "share", 1);
        }
        double dflt = any_share ? min_share / 2 : DEFAULT_SHARE;
        json_array_foreach(tl, i, it) {
            int t = pn__kb_find(kb, PN_SEC_TUMOURS, pn__jstr(it, "tumour"));
            double share = pn__jnum(it, "share", dflt);
            double w = e->score[s] * share;
            if (t < 0 || w <= best[t])
                continue;
            best[t] = w;
            snprintf(why, sizeof why, "syndrome:%s (score %.2f; %s in %.0f%%; %s)", kb->syndromes[s].id,
                     e->score[s], kb->tumours[t].name, share * 100, pn__src_text(e, it));
            best_why[t] = pn__arena_strdup(&e->arena, why);
        }
    }
    for (size_t t = 0; t < kb->n_tumours; t++)
        if (best[t] > 0 && best_why[t])
            add(e, ts, (int)t, best[t], best_why[t]);
    /* Point scores that give a tumour's risk for a likely syndrome (DELTA-P:
     * SCLC in LEMS), from the KB's "serves" and "risk_tumour". */
    for (size_t k = 0; k < e->n_crit; k++) {
        const pn_crit_result *r = &e->crit[k];
        json_t *set = kb->sec[PN_SEC_CRITERIA].items[r->set].obj;
        int served = pn__kb_find(kb, PN_SEC_SYNDROMES, pn__jstr(set, "serves"));
        int t = pn__kb_find(kb, PN_SEC_TUMOURS, pn__jstr(set, "risk_tumour"));
        if (served < 0 || t < 0 || e->score[served] < PN_SUSPECT_SCORE || !r->band ||
            !json_object_get(r->band, "risk"))
            continue;
        snprintf(why, sizeof why, "criteria:%s (score %.0f: %s; %s)", pn__jstr(set, "id"), r->points,
                 pn__jstr(r->band, "text"), pn__src_text(e, r->band));
        add(e, ts, t, pn__jnum(r->band, "risk", 0), why);
    }
    size_t n = 0;
    for (size_t t = 0; t < kb->n_tumours; t++) {
        scores[t] = 1 - ts[t].miss;
        if (ts[t].why && scores[t] >= 0.05)
            ranked[n++] = (int)t;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of entries */
        for (size_t j = i; j > 0 && scores[ranked[j]] > scores[ranked[j - 1]]; j--) {
            int tmp = ranked[j];
            ranked[j] = ranked[j - 1];
            ranked[j - 1] = tmp;
        }
    /* a generic tumour adds nothing next to its specific member */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < m; j++)
            dup |= kb->tumours[ranked[j]].group == ranked[i];
        if (!dup)
            ranked[m++] = ranked[i];
    }
    n = m > MAX_SUSPECTED ? MAX_SUSPECTED : m;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        int t = ranked[i];
        json_t *o = json_object();
        json_object_set_new(o, "icd10", json_string(json_string_value(json_array_get(kb->tumours[t].icd10, 0))));
        json_object_set_new(o, "tumour", json_string(kb->tumours[t].id));
        json_object_set_new(o, "name", json_string(kb->tumours[t].name));
        json_object_set_new(o, "score", json_real(round(scores[t] * 1000) / 1000));
        json_object_set_new(o, "why", json_incref(ts[t].why));
        json_array_append_new(arr, o);
    }
    for (size_t t = 0; t < kb->n_tumours; t++)
        json_decref(ts[t].why);
    json_object_set_new(e->report, "suspected_cancers", arr);
    *n_ranked = n;
    return PN_OK;
}

static bool workup_fits(const pn_eval *e, json_t *w)
{
    const char *sex = pn__jstr(w, "sex");
    if (sex && strcmp(sex, "any") != 0) {
        pn_sex want = strcmp(sex, "female") == 0 ? PN_SEX_FEMALE : PN_SEX_MALE;
        if (e->c->patient.sex != want)
            return false;
    }
    if (e->c->patient.has_age) {
        json_t *lo = json_object_get(w, "age_min"), *hi = json_object_get(w, "age_max");
        if ((lo && e->c->patient.age < json_number_value(lo)) ||
            (hi && e->c->patient.age >= json_number_value(hi)))
            return false;
    }
    return true;
}

static bool seen_test(json_t *arr, const char *test)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) if (strcmp(pn__jstr(o, "test"), test) == 0) return true;
    return false;
}

static void add_workup(pn_eval *e, json_t *arr, json_t *w, const char *why)
{
    const char *test = pn__jstr(w, "test");
    if (seen_test(arr, test))
        return;
    json_t *o = json_object();
    bool negative = e->c->screening.result == PN_SCREEN_NEGATIVE;
    json_object_set_new(o, "test", json_string(test));
    json_object_set_new(o, "why", json_string(why));
    json_object_set_new(o, "when", json_string(pn__jstr(w, "when") ? pn__jstr(w, "when") : "now"));
    if (pn__jstr(w, "then"))
        json_object_set_new(o, "then", json_string(pn__jstr(w, "then")));
    if (negative && pn__jstr(w, "then") && pn__jstr(w, "tumour")) {
        /* The first screen was negative: the next step is due now. */
        char d[16] = "date unknown";
        if (e->c->screening.first_negative != PN_NO_DATE)
            pn__date_format(e->c->screening.first_negative, d);
        char buf[300];
        snprintf(buf, sizeof buf, "tumour screening was negative (first on %s): proceed to the next step",
                 d);
        json_object_set_new(o, "when", json_string("at re-screening"));
        json_t *next = json_pack("{s:s, s:s, s:s, s:s, s:s}", "test", pn__jstr(w, "then"), "why", buf,
                                 "when", "now", "source", pn__src_text(e, w), "grade",
                                 pn__jstr(w, "grade"));
        if (!seen_test(arr, pn__jstr(w, "then")))
            json_array_append_new(arr, next);
        else
            json_decref(next);
    }
    json_object_set_new(o, "source", json_string(pn__src_text(e, w)));
    json_object_set_new(o, "grade", json_string(pn__jstr(w, "grade")));
    json_array_append_new(arr, o);
}

/* Antibodies the likely neurological syndromes are known for, when none of
 * them has been tested yet: the panel to send. */
static void antibody_panel(pn_eval *e, json_t *arr)
{
    const pn_kb *kb = e->kb;
    char names[400] = "";
    size_t len = 0, count = 0;
    json_t *srcs = json_array();
    const char *for_syndrome = NULL;
    for (size_t k = 0; k < kb->n_syndromes && k < 6; k++) {
        int s = e->order[k];
        if (strcmp(kb->syndromes[s].system, "nervous") != 0 ||
            strcmp(kb->syndromes[s].kind, "paraneoplastic") != 0 || e->score[s] < 1e-4)
            continue;
        bool any_tested = false;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(kb->syndromes[s].obj, "evidence"), i, it) {
            int a = pn__kb_find(kb, PN_SEC_ANTIBODIES, pn__jstr(it, "antibody"));
            any_tested |= a >= 0 && e->obs.abs[a].state != AB_UNTESTED;
        }
        if (any_tested)
            continue;
        if (!for_syndrome)
            for_syndrome = kb->syndromes[s].name;
        json_array_foreach(json_object_get(kb->syndromes[s].obj, "evidence"), i, it) {
            const char *ab = pn__jstr(it, "antibody");
            if (!ab || strstr(names, ab))
                continue;
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", count ? ", " : "", ab);
            count++;
            json_array_append_new(srcs, json_string(pn__src_text(e, it)));
            if (len >= sizeof names - 16)
                break;
        }
    }
    if (count) {
        char why[300], src[400] = "";
        snprintf(why, sizeof why, "no neural antibody has been tested; these point to the cancer in %s",
                 for_syndrome);
        size_t i, k = 0;
        json_t *sj;
        json_array_foreach(srcs, i, sj) if (!strstr(src, json_string_value(sj)) && k < sizeof src - 60)
            k += (size_t)snprintf(src + k, sizeof src - k, "%s%s", k ? "; " : "", json_string_value(sj));
        char test[460];
        snprintf(test, sizeof test, "Neural antibody panel (serum; CSF where available): %s", names);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "test", test, "why", why, "when",
                                             "now", "source", src));
    }
    json_decref(srcs);
}

static void rescreening(pn_eval *e, bool pns_suspected, bool cancer_found)
{
    const pn_kb *kb = e->kb;
    if (!pns_suspected || cancer_found) {
        json_object_set_new(e->report, "rescreening", json_null());
        return;
    }
    json_t *sched = NULL;
    const char *for_id = NULL;
    for (size_t k = 0; k < kb->n_syndromes && !sched; k++) {
        int s = e->order[k];
        if (e->score[s] < PN_SUSPECT_SCORE)
            break;
        for (size_t i = 0; i < kb->sec[PN_SEC_RESCREENING].len; i++) {
            json_t *r = kb->sec[PN_SEC_RESCREENING].items[i].obj;
            if (pn__jstr(r, "syndrome") && strcmp(pn__jstr(r, "syndrome"), kb->syndromes[s].id) == 0) {
                sched = r;
                for_id = kb->syndromes[s].id;
            }
        }
        if (strcmp(kb->syndromes[s].kind, "paraneoplastic") == 0)
            break; /* the first likely syndrome decides */
    }
    for (size_t i = 0; i < kb->sec[PN_SEC_RESCREENING].len && !sched; i++)
        if (json_is_true(json_object_get(kb->sec[PN_SEC_RESCREENING].items[i].obj, "default")))
            sched = kb->sec[PN_SEC_RESCREENING].items[i].obj;
    int32_t start = e->c->screening.first_negative != PN_NO_DATE ? e->c->screening.first_negative
                                                                 : e->c->as_of;
    json_t *fm = json_object_get(sched, "first_months");
    int first = (int)json_number_value(json_array_get(fm, 0));
    int first_late = (int)json_number_value(json_array_get(fm, 1));
    int interval = (int)pn__jnum(sched, "interval_months", 6);
    int until_m = (int)pn__jnum(sched, "until_months", 48);
    int32_t until = pn__date_add_months(start, until_m);
    int months = first;
    int32_t next = pn__date_add_months(start, months);
    while (next < e->c->as_of && months + interval <= until_m) {
        months += interval;
        next = pn__date_add_months(start, months);
    }
    char d_next[11], d_until[11], d_start[11], d_late[11];
    pn__date_format(next, d_next);
    pn__date_format(until, d_until);
    pn__date_format(start, d_start);
    pn__date_format(pn__date_add_months(start, first_late), d_late);
    json_t *o = json_object();
    if (next < e->c->as_of) {
        json_object_set_new(o, "next", json_null());
        json_object_set_new(o, "complete", json_true());
    } else {
        json_object_set_new(o, "next", json_string(d_next));
        if (months == first)
            json_object_set_new(o, "next_latest", json_string(d_late));
    }
    json_object_set_new(o, "from", json_string(d_start));
    json_object_set_new(o, "first_after_months", json_pack("[i,i]", first, first_late));
    json_object_set_new(o, "interval_months", json_integer(interval));
    json_object_set_new(o, "until", json_string(d_until));
    if (for_id)
        json_object_set_new(o, "syndrome", json_string(for_id));
    json_object_set_new(o, "source", json_string(pn__src_text(e, sched)));
    json_object_set_new(e->report, "rescreening", o);
}

pn_status pn__cancers(pn_eval *e)
{
    const pn_kb *kb = e->kb;
    int *ranked = pn__arena_alloc(&e->arena, (kb->n_tumours + 1) * sizeof *ranked);
    double *scores = pn__arena_alloc(&e->arena, (kb->n_tumours + 1) * sizeof *scores);
    if (!ranked || !scores)
        return PN_ENOMEM;
    size_t n = 0;
    int known = known_cancer_explains(e);
    bool explained = known >= 0;
    if (explained) {
        char note[300];
        const pn_cancer *k = &e->c->cancers[known];
        snprintf(note, sizeof note,
                 "The known %s (active) fits the likely explanation: no search for another occult "
                 "tumour is proposed.",
                 k->tumour >= 0 ? kb->tumours[k->tumour].name : "cancer");
        json_object_set_new(e->report, "suspected_cancers", json_array());
        json_array_append_new(e->notes, json_string(note));
    } else {
        pn_status st = suspected(e, ranked, &n, scores);
        if (st != PN_OK)
            return st;
    }
    json_t *work = json_array();
    char why[200];
    for (size_t i = 0; i < n; i++) {
        int t = ranked[i];
        if (scores[t] < WORKUP_MIN)
            continue;
        for (size_t k = 0; k < kb->sec[PN_SEC_WORKUP].len; k++) {
            json_t *w = kb->sec[PN_SEC_WORKUP].items[k].obj;
            int wt = pn__kb_find(kb, PN_SEC_TUMOURS, pn__jstr(w, "tumour"));
            if (wt < 0 || !(wt == t || kb->tumours[t].group == wt) || !workup_fits(e, w))
                continue;
            snprintf(why, sizeof why, "to look for %s (suspicion %.2f)", kb->tumours[t].name, scores[t]);
            add_workup(e, work, w, why);
        }
    }
    for (size_t k = 0; k < kb->n_syndromes; k++) {
        int s = e->order[k];
        if (e->score[s] < PN_SUSPECT_SCORE)
            break;
        for (size_t j = 0; j < kb->sec[PN_SEC_WORKUP].len; j++) {
            json_t *w = kb->sec[PN_SEC_WORKUP].items[j].obj;
            const char *ws = pn__jstr(w, "syndrome");
            if (!ws || strcmp(ws, kb->syndromes[s].id) != 0 || !workup_fits(e, w))
                continue;
            snprintf(why, sizeof why, "recommended for %s", kb->syndromes[s].name);
            add_workup(e, work, w, why);
        }
    }
    antibody_panel(e, work);
    for (size_t a = 0; a < kb->n_antibodies; a++) {
        if (e->obs.abs[a].state != AB_POS || !e->obs.abs[a].weak_only)
            continue;
        char test[200];
        snprintf(test, sizeof test, "Confirm anti-%s by tissue-based indirect immunofluorescence",
                 kb->antibodies[a].id);
        json_array_append_new(work, json_pack("{s:s, s:s, s:s, s:s}", "test", test, "why",
                                              "positive by line blot or immunoblot only: confirm before "
                                              "searching for its tumour",
                                              "when", "now", "source",
                                              pn__src_text(e, kb->antibodies[a].obj)));
    }
    json_object_set_new(e->report, "workup", work);

    bool pns_suspected = false, cancer_found = false;
    for (size_t k = 0; k < kb->n_syndromes; k++) {
        int s = e->order[k];
        if (e->score[s] < PN_SUSPECT_SCORE)
            break;
        pns_suspected |= strcmp(kb->syndromes[s].kind, "paraneoplastic") == 0;
    }
    for (size_t a = 0; a < kb->n_antibodies; a++)
        pns_suspected |= e->obs.abs[a].state == AB_POS &&
                         (strcmp(kb->antibodies[a].risk, "high") == 0 ||
                          strcmp(kb->antibodies[a].risk, "intermediate") == 0);
    for (size_t i = 0; i < e->c->n_cancers; i++)
        cancer_found |= e->c->cancers[i].status != PN_CANCER_SUSPECTED;
    cancer_found |= e->c->screening.result == PN_SCREEN_POSITIVE;
    rescreening(e, pns_suspected && !explained, cancer_found);
    return PN_OK;
}
