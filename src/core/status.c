/* status.c - status codes, version, error formatting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_int.h"
#include "paraneo.h"

const char *pn_strerror(pn_status status)
{
    switch (status) {
#define PN_XX(name, msg)                                                       \
    case PN_##name:                                                            \
        return msg;
        PN_STATUS_MAP(PN_XX)
#undef PN_XX
    default:
        return "unknown status";
    }
}

const char *pn_status_name(pn_status status)
{
    switch (status) {
#define PN_XX(name, msg)                                                       \
    case PN_##name:                                                            \
        return "PN_" #name;
        PN_STATUS_MAP(PN_XX)
#undef PN_XX
    default:
        return "PN_UNKNOWN";
    }
}

const char *pn_version(void)
{
    return PN_VERSION_STRING;
}

void pn_free(void *p)
{
    free(p);
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

pn_status pn__error_set(pn_error *err, pn_status status, const char *file, const char *path,
                        const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    copy(err->file, sizeof err->file, file);
    copy(err->path, sizeof err->path, path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

const char *pn_error_format(const pn_error *err, char *buf, size_t size)
{
    if (!size)
        return buf;
    if (!err) {
        buf[0] = '\0';
        return buf;
    }
    const char *msg = err->message[0] ? err->message : pn_strerror(err->status);
    if (err->file[0] && err->path[0])
        snprintf(buf, size, "%s: %s: %s", err->file, err->path, msg);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, msg);
    else
        snprintf(buf, size, "%s", msg);
    return buf;
}
