/* report_int.h - a report is its report/1 JSON document. */
#ifndef PN_REPORT_INT_H
#define PN_REPORT_INT_H

#include <jansson.h>

#include "paraneo.h"

struct pn_report {
    json_t *doc;
};

#endif
