/* report_int.h - a report is its report/1 JSON document. */
#ifndef PN_REPORT_INT_H
#define PN_REPORT_INT_H

#include <jansson.h>

#include "paraneo.h"

struct pn_report {
    json_t *doc;
};

/* The report/1 document itself, borrowed: for the service, which reads a
 * few members (cards, reminders) without printing and re-parsing it. */
static inline const json_t *pn__report_doc(const pn_report *r)
{
    return r->doc;
}

#endif
