/* web.c - the web page's files, read once at start from the web directory
 * and served from memory: the page works with no network but this server. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server/server_int.h"

#define WEB_MAX_FILE (4u << 20)
#define WEB_MAX_FILES 256

static const char *type_for(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL; /* not served */
}

/* Only plain names: letters, digits, '.', '-', '_', not starting with '.'. */
static bool safe_name(const char *name)
{
    if (!name[0] || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || (size_t)st.st_size > WEB_MAX_FILE) {
        fclose(f);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf || n != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int pn__web_load(pn_server *s, char *err, size_t errlen)
{
    const char *dir = s->cfg.web_dir;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "web directory %s: %s", dir, strerror(errno));
        return -1;
    }
    s->web = calloc(WEB_MAX_FILES, sizeof *s->web);
    if (!s->web) {
        closedir(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) && s->n_web < WEB_MAX_FILES) {
        const char *type = type_for(e->d_name);
        if (!safe_name(e->d_name) || !type)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        char *data = read_file(path, &len);
        if (!data)
            continue;
        pn_web_file *f = &s->web[s->n_web++];
        f->name = strdup(e->d_name);
        f->data = data;
        f->len = len;
        f->type = type;
    }
    closedir(d);
    return 0;
}

void pn__web_free(pn_server *s)
{
    for (size_t i = 0; i < s->n_web; i++) {
        free(s->web[i].name);
        free(s->web[i].data);
    }
    free(s->web);
    s->web = NULL;
    s->n_web = 0;
}

static const pn_web_file *find(const pn_server *s, const char *name)
{
    for (size_t i = 0; i < s->n_web; i++)
        if (strcmp(s->web[i].name, name) == 0)
            return &s->web[i];
    return NULL;
}

static void serve(pn_server *s, pn_resp *rs, const char *name, const char *cache)
{
    const pn_web_file *f = safe_name(name) ? find(s, name) : NULL;
    if (!f) {
        pn__problem(rs, 404, "not-found", "no such file", NULL);
        return;
    }
    rs->status = 200;
    rs->body = f->data;
    rs->len = f->len;
    rs->is_static = true;
    rs->type = f->type;
    rs->cache = cache;
}

void pn__h_index(pn_server *s, pn_req *rq, pn_resp *rs)
{
    (void)rq;
    serve(s, rs, "index.html", "no-cache");
}

void pn__h_patient(pn_server *s, pn_req *rq, pn_resp *rs)
{
    (void)rq;
    serve(s, rs, "patient.html", "no-cache");
}

void pn__h_static(pn_server *s, pn_req *rq, pn_resp *rs)
{
    serve(s, rs, rq->param, "no-cache");
}

void pn__h_openapi(pn_server *s, pn_req *rq, pn_resp *rs)
{
    (void)rq;
    serve(s, rs, "openapi.json", "no-cache");
}
