/* evidence.c - each syndrome's evidence compiled once, at load time, into
 * typed items with their likelihood ratios, so that evaluating a case does
 * no name look-ups (docs/model.md says how the ratios are derived). */
#include <stdio.h>
#include <string.h>

#include "core/error_int.h"
#include "kb/kb_int.h"

/* Modelling constants for frequency-only evidence (MODEL:paraneo-bayes). */
#define FREQ_BACKGROUND 0.10 /* share of evaluated patients with a finding, unless the
                                finding's term gives its own (terms[].background) */
#define FREQ_LR_MAX 10.0
#define FREQ_LR_MIN 0.05

static const struct {
    const char *band;
    double freq;
} bands[] = {{"obligate", 1.0},    {"very-frequent", 0.9}, {"frequent", 0.55},
             {"occasional", 0.17}, {"very-rare", 0.025},   {"excluded", 0.0}};

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double num(json_t *o, const char *k, double dflt)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

/* LR for an item observed present (pos) or absent; 0 when the KB gives no
 * figure for that direction.  bg: the background rate frequency-only
 * evidence is paired with. */
static double item_lr(json_t *it, bool pos, double bg, const char **basis)
{
    json_t *sens = json_object_get(it, "sens"), *spec = json_object_get(it, "spec");
    json_t *freq = json_object_get(it, "freq");
    if (sens && spec) {
        double se = json_number_value(sens), sp = json_number_value(spec);
        *basis = "sensitivity and specificity";
        return pos ? (sp < 1 ? se / (1 - sp) : 1e3) : (sp > 0 ? (1 - se) / sp : 1e3);
    }
    if (freq || sens) {
        double f = sens ? json_number_value(sens) : 0;
        if (freq && json_is_string(freq)) {
            for (size_t i = 0; i < sizeof bands / sizeof *bands; i++)
                if (strcmp(bands[i].band, json_string_value(freq)) == 0)
                    f = bands[i].freq;
        } else if (freq) {
            f = json_number_value(freq);
        }
        *basis = "frequency only (paired with a background rate)";
        return pos ? clamp(f / bg, 1.0 / FREQ_LR_MAX, FREQ_LR_MAX)
                   : clamp((1 - f) / (1 - bg), FREQ_LR_MIN, 1.0 / FREQ_LR_MIN);
    }
    *basis = "likelihood ratio";
    json_t *lr = json_object_get(it, pos ? "lr_pos" : "lr_neg");
    return lr ? json_number_value(lr) : 0;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

pn_status pn__kb_compile_evidence(pn_kb *kb, pn_error *err)
{
    static const struct {
        const char *key;
        pn_ev_kind kind;
        int sec;
    } subjects[] = {{"finding", PN_EV_FINDING, PN_SEC_TERMS},
                    {"antibody", PN_EV_ANTIBODY, PN_SEC_ANTIBODIES},
                    {"drug", PN_EV_DRUG, PN_SEC_DRUGS},
                    {"treatment", PN_EV_TREATMENT, PN_SEC_DRUGS},
                    {"tumour", PN_EV_TUMOUR, PN_SEC_TUMOURS},
                    {"criteria", PN_EV_CRITERIA, PN_SEC_CRITERIA},
                    {"sex", PN_EV_SEX, -1},
                    {"smoking", PN_EV_SMOKING, -1},
                    {"age", PN_EV_AGE, -1}};
    static const char *const courses[] = {"", "acute", "subacute", "chronic"};
    for (size_t s = 0; s < kb->n_syndromes; s++) {
        pn_kb_syndrome *sy = &kb->syndromes[s];
        json_t *evs = json_object_get(sy->obj, "evidence");
        sy->n_ev = json_array_size(evs);
        sy->ev = pn__arena_alloc(&kb->arena, (sy->n_ev + 1) * sizeof *sy->ev);
        if (!sy->ev)
            return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
        sy->prior_obj = json_object_get(sy->obj, "prior");
        sy->prior_cancer = num(sy->prior_obj, "cancer", 0);
        sy->prior_no_cancer = num(sy->prior_obj, "no_cancer", 0);
        sy->course_obj = json_object_get(sy->obj, "course");
        for (int c = 1; c < 4; c++)
            sy->course[c] = num(sy->course_obj, courses[c], 0);
        size_t i;
        json_t *it;
        json_array_foreach(evs, i, it) {
            pn_kb_ev *ev = &sy->ev[i];
            ev->obj = it;
            for (size_t k = 0; k < sizeof subjects / sizeof *subjects; k++) {
                json_t *v = json_object_get(it, subjects[k].key);
                if (!v)
                    continue;
                ev->kind = subjects[k].kind;
                ev->name = json_string_value(v);
                if (subjects[k].sec >= 0)
                    ev->target = pn__kb_find(kb, subjects[k].sec, ev->name);
                else if (ev->kind == PN_EV_SEX)
                    ev->target = strcmp(ev->name, "female") == 0 ? 1 : 2;
                else if (ev->kind == PN_EV_SMOKING)
                    ev->target = strcmp(ev->name, "current") == 0 ? 1
                                 : strcmp(ev->name, "former") == 0 ? 2
                                                                   : 3;
                else {
                    ev->a = json_number_value(json_array_get(v, 0));
                    ev->b = json_number_value(json_array_get(v, 1));
                }
            }
            const char *basis;
            const pn_kb_term *term =
                ev->kind == PN_EV_FINDING && ev->target >= 0 ? &kb->terms[ev->target] : NULL;
            double bg = term && term->background > 0 ? term->background : FREQ_BACKGROUND;
            ev->lr_pos = item_lr(it, true, bg, &basis);
            ev->lr_neg = item_lr(it, false, bg, &basis);
            ev->basis = basis;
            if (term && term->background > 0 && strncmp(basis, "frequency", 9) == 0) {
                /* says which rate, and cites it (the report lists the source) */
                json_t *b = json_object_get(term->obj, "background");
                json_t *src = json_object_get(b, "src");
                char text[300];
                snprintf(text, sizeof text,
                         "frequency only, paired with the finding's background rate of %.0f%% (%s)",
                         100 * term->background,
                         json_is_string(src) ? json_string_value(src)
                                             : json_string_value(json_array_get(src, 0)));
                ev->basis = pn__arena_strdup(&kb->arena, text);
                if (!ev->basis)
                    return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
            }
            json_t *w = json_object_get(it, "window_days");
            if (w) {
                ev->window = true;
                ev->a = json_number_value(json_array_get(w, 0));
                ev->b = json_number_value(json_array_get(w, 1));
            }
            json_t *within = json_object_get(it, "within_days");
            if (within) {
                ev->has_within = true;
                ev->within = json_number_value(within);
            }
            const char *fq = str(it, "freq");
            ev->obligate = ev->kind == PN_EV_FINDING && fq && strcmp(fq, "obligate") == 0;
            sy->has_criteria_item |= ev->kind == PN_EV_CRITERIA;
        }
    }
    return PN_OK;
}
