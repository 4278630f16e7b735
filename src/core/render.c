/* render.c - the report for people: plain text for a terminal (with bars
 * and, on request, colour) and Markdown.  Both read only the report/1
 * document, so what a person reads is exactly what a program gets. */
#include <math.h>
#include <string.h>

#include "core/report_int.h"
#include "util/buf.h"

#define RENDER_MAX (8u << 20)

typedef struct r {
    pn_buf b;
    bool md, color;
} r;

static const char *s(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static double num(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static void heading(r *x, const char *title)
{
    if (x->md)
        pn__buf_printf(&x->b, "\n## %s\n\n", title);
    else if (x->color)
        pn__buf_printf(&x->b, "\n\033[1m%s\033[0m\n", title);
    else
        pn__buf_printf(&x->b, "\n%s\n", title);
}

static void bar(r *x, double v)
{
    int n = (int)lround(v * 20);
    if (n < 0)
        n = 0;
    if (n > 20)
        n = 20;
    for (int i = 0; i < 20; i++)
        pn__buf_puts(&x->b, i < n ? "#" : ".");
}

static void triage(r *x, json_t *t)
{
    const char *level = s(t, "level");
    heading(x, "Triage (for the patient)");
    if (x->md)
        pn__buf_printf(&x->b, "**%s**: %s\n\n", level, s(t, "advice"));
    else
        pn__buf_printf(&x->b, "  %s%s%s: %s\n", x->color ? "\033[1;31m" : "", level,
                       x->color ? "\033[0m" : "", s(t, "advice"));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(t, "reasons"), i, e)
        pn__buf_printf(&x->b, x->md ? "- %s\n" : "    - %s\n", json_string_value(e));
}

static void differential(r *x, json_t *d)
{
    heading(x, "Differential (syndromes and mimics, best first)");
    if (!json_array_size(d)) {
        pn__buf_puts(&x->b, x->md ? "Nothing has real support from the data given.\n"
                                  : "  Nothing has real support from the data given.\n");
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(d, i, e) {
        if (x->md) {
            pn__buf_printf(&x->b, "%zu. **%s** (`%s`, %s, %s): score %.3f, evidence ratio %.3g\n", i + 1,
                           s(e, "name"), s(e, "id"), s(e, "system"), s(e, "kind"), num(e, "score"),
                           num(e, "evidence_ratio"));
        } else {
            pn__buf_printf(&x->b, "  %2zu. ", i + 1);
            bar(x, num(e, "score"));
            pn__buf_printf(&x->b, " %.3f  %s [%s; %s, %s]\n", num(e, "score"), s(e, "name"), s(e, "id"),
                           s(e, "system"), s(e, "kind"));
        }
        size_t k;
        json_t *ev;
        json_array_foreach(json_object_get(e, "evidence"), k, ev) {
            const char *eff = s(ev, "effect");
            const char *sign = strcmp(eff, "for") == 0 ? "+" : strcmp(eff, "against") == 0 ? "-" : "=";
            pn__buf_printf(&x->b, x->md ? "    - %s %s: %s, LR %.3g (%s; %s)%s%s\n"
                                        : "        %s %-34s %s; LR %.3g [%s; %s]%s%s\n",
                           sign, s(ev, "item"), s(ev, "detail"), num(ev, "lr"), s(ev, "source"),
                           s(ev, "grade"), json_object_get(ev, "explained_by") ? "; explained by " : "",
                           s(ev, "explained_by"));
        }
        json_t *cw = json_object_get(e, "concurrent_with");
        if (json_array_size(cw)) {
            pn__buf_puts(&x->b, x->md ? "    - may coexist with:" : "        may coexist with:");
            json_array_foreach(cw, k, ev) pn__buf_printf(&x->b, " %s", json_string_value(ev));
            pn__buf_puts(&x->b, "\n");
        }
    }
}

static void pns_care(r *x, json_t *p)
{
    heading(x, "PNS-Care score (Graus et al. 2021, PMID 34006622)");
    const char *ind = x->md ? "- " : "  ";
    if (!json_is_true(json_object_get(p, "applicable"))) {
        pn__buf_printf(&x->b, "%sNot applicable: %s\n", ind, s(p, "reason"));
    } else {
        json_t *ph = json_object_get(p, "phenotype"), *ab = json_object_get(p, "antibody"),
               *ca = json_object_get(p, "cancer");
        pn__buf_printf(&x->b, "%sphenotype  %s (%s risk): %d\n", ind, s(ph, "name"), s(ph, "risk"),
                       (int)num(ph, "points"));
        pn__buf_printf(&x->b, "%santibody   %s (%s): %d\n", ind,
                       json_object_get(ab, "target") && !json_is_null(json_object_get(ab, "target"))
                           ? s(ab, "target")
                           : "none positive",
                       s(ab, "risk"), (int)num(ab, "points"));
        pn__buf_printf(&x->b, "%scancer     %s", ind, s(ca, "state"));
        if (json_object_get(ca, "follow_up_months"))
            pn__buf_printf(&x->b, " (follow-up %.1f months)", num(ca, "follow_up_months"));
        pn__buf_printf(&x->b, ": %d\n", (int)num(ca, "points"));
        pn__buf_printf(&x->b, x->md ? "\n**Score %d: %s**\n\n" : "  score %d: %s\n",
                       (int)json_integer_value(json_object_get(p, "score")), s(p, "level"));
    }
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(p, "notes"), i, n)
        pn__buf_printf(&x->b, x->md ? "- note: %s\n" : "    note: %s\n", json_string_value(n));
}

static void criteria(r *x, json_t *c)
{
    if (!json_array_size(c))
        return;
    heading(x, "Criteria");
    size_t i;
    json_t *set;
    json_array_foreach(c, i, set) {
        json_t *met = json_object_get(set, "met");
        const char *state = json_is_true(met) ? "MET" : json_is_false(met) ? "NOT MET" : "UNKNOWN";
        pn__buf_printf(&x->b, x->md ? "**%s** (`%s`): %s" : "  %s [%s]: %s", s(set, "name"), s(set, "id"),
                       state);
        if (json_object_get(set, "score"))
            pn__buf_printf(&x->b, ", score %g%s%s", num(set, "score"),
                           json_object_get(set, "band") ? ": " : "", s(set, "band"));
        pn__buf_printf(&x->b, " (%s)\n", s(set, "source"));
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(set, "items"), k, it) {
            json_t *m = json_object_get(it, "met");
            const char *box = json_is_true(m) ? "[x]" : json_is_false(m) ? "[ ]" : "[?]";
            if (json_is_false(json_object_get(it, "applicable")))
                box = "[-]";
            pn__buf_printf(&x->b, x->md ? "- %s %s" : "    %s %s", box, s(it, "text"));
            if (json_object_get(it, "value"))
                pn__buf_printf(&x->b, " (%g %s)", num(it, "value"), s(it, "unit"));
            pn__buf_puts(&x->b, "\n");
        }
        json_t *miss = json_object_get(set, "missing");
        if (json_array_size(miss)) {
            pn__buf_puts(&x->b, x->md ? "- to measure next:" : "    to measure next:");
            json_array_foreach(miss, k, it) pn__buf_printf(&x->b, "%s %s", k ? ";" : "", json_string_value(it));
            pn__buf_puts(&x->b, "\n");
        }
        if (x->md)
            pn__buf_puts(&x->b, "\n");
    }
}

static void cancers(r *x, json_t *c)
{
    if (!json_array_size(c))
        return;
    heading(x, "Where to look for a cancer");
    size_t i;
    json_t *e;
    json_array_foreach(c, i, e) {
        pn__buf_printf(&x->b, x->md ? "%zu. **%s** (%s): %.2f\n" : "  %zu. %s (%s): %.2f\n", i + 1,
                       s(e, "name"), s(e, "icd10"), num(e, "score"));
        size_t k;
        json_t *w;
        json_array_foreach(json_object_get(e, "why"), k, w)
            pn__buf_printf(&x->b, x->md ? "    - %s\n" : "       - %s\n", json_string_value(w));
    }
}

static void workup(r *x, json_t *w, json_t *rs)
{
    if (!json_array_size(w) && (!rs || json_is_null(rs)))
        return;
    heading(x, "Workup");
    size_t i;
    json_t *e;
    json_array_foreach(w, i, e) {
        pn__buf_printf(&x->b, x->md ? "- **%s** (%s): %s" : "  - %s [%s]: %s", s(e, "test"), s(e, "when"),
                       s(e, "why"));
        if (json_object_get(e, "then"))
            pn__buf_printf(&x->b, "; then %s", s(e, "then"));
        pn__buf_printf(&x->b, " (%s)\n", s(e, "source"));
    }
    if (rs && json_is_object(rs)) {
        if (json_is_true(json_object_get(rs, "complete")))
            pn__buf_printf(&x->b, x->md ? "- Re-screening: schedule complete (until %s)\n"
                                        : "  Re-screening: schedule complete (until %s)\n",
                           s(rs, "until"));
        else
            pn__buf_printf(&x->b,
                           x->md ? "- Re-screening: next %s, then every %d months until %s (%s)\n"
                                 : "  Re-screening: next %s, then every %d months until %s (%s)\n",
                           s(rs, "next"), (int)num(rs, "interval_months"), s(rs, "until"), s(rs, "source"));
    }
}

static void treatment(r *x, json_t *t)
{
    if (!json_array_size(t))
        return;
    heading(x, "Treatment, in order");
    size_t i;
    json_t *e;
    json_array_foreach(t, i, e) {
        pn__buf_printf(&x->b, x->md ? "%d. %s (%s, %s)" : "  %d. [%s] %s", (int)num(e, "step"),
                       x->md ? s(e, "text") : s(e, "syndrome"), x->md ? s(e, "syndrome") : s(e, "text"),
                       x->md ? s(e, "kind") : "");
        if (json_object_get(e, "source"))
            pn__buf_printf(&x->b, " (%s)", s(e, "source"));
        pn__buf_puts(&x->b, "\n");
    }
}

static void list(r *x, const char *title, json_t *arr)
{
    if (!json_array_size(arr))
        return;
    heading(x, title);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) pn__buf_printf(&x->b, x->md ? "- %s\n" : "  - %s\n", json_string_value(e));
}

static void refs(r *x, json_t *arr)
{
    heading(x, "Sources");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) pn__buf_printf(&x->b, x->md ? "- **%s** %s\n" : "  %s  %s\n", s(e, "id"),
                                                 s(e, "citation"));
}

char *pn_report_text(const pn_report *rep, pn_format format, int color)
{
    r x = {.md = format == PN_FORMAT_MARKDOWN, .color = color && format == PN_FORMAT_TEXT};
    pn__buf_init(&x.b, RENDER_MAX);
    json_t *d = rep->doc;
    json_t *kb = json_object_get(d, "knowledge_base");
    const char *id = json_is_string(json_object_get(d, "case_id")) ? s(d, "case_id") : "(no id)";
    if (x.md)
        pn__buf_printf(&x.b, "# paraneo report: %s\n\nAs of %s. Knowledge base %s (`%s`). Decision support: "
                             "it explains, a clinician decides.\n",
                       id, s(d, "as_of"), s(kb, "version"), s(kb, "digest"));
    else
        pn__buf_printf(&x.b, "paraneo report: %s (as of %s)\nknowledge base %s %s\n", id, s(d, "as_of"),
                       s(kb, "version"), s(kb, "digest"));
    triage(&x, json_object_get(d, "triage"));
    differential(&x, json_object_get(d, "differential"));
    pns_care(&x, json_object_get(d, "pns_care"));
    criteria(&x, json_object_get(d, "criteria"));
    cancers(&x, json_object_get(d, "suspected_cancers"));
    workup(&x, json_object_get(d, "workup"), json_object_get(d, "rescreening"));
    treatment(&x, json_object_get(d, "treatment"));
    list(&x, "Notes", json_object_get(d, "notes"));
    list(&x, "Warnings", json_object_get(d, "warnings"));
    refs(&x, json_object_get(d, "references"));
    return pn__buf_take(&x.b);
}
