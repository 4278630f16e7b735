/* spill.c - hash partitions spilled to a temporary directory.  Each thread
 * buffers records per partition and appends a full buffer to the shared
 * partition file under that partition's lock, so memory is threads x P x
 * buffer whatever the input size, and P files are open, not threads x P. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "screen/screen.h"

struct pn_scr_parts {
    int n;
    int *fd;
    char **path;
    uint64_t *bytes;
    pthread_mutex_t *lock;
};

struct pn_scr_writer {
    pn_scr_parts *p;
    size_t cap;
    char *buf;     /* n x cap */
    size_t *used;
    char error[200];
};

int pn__scr_parts_open(const char *dir, const char *prefix, int n, pn_scr_parts **out, char *err,
                       size_t errlen)
{
    pn_scr_parts *p = calloc(1, sizeof *p);
    if (!p || !(p->fd = calloc((size_t)n, sizeof *p->fd)) || !(p->path = calloc((size_t)n, sizeof *p->path)) ||
        !(p->bytes = calloc((size_t)n, sizeof *p->bytes)) ||
        !(p->lock = calloc((size_t)n, sizeof *p->lock))) {
        snprintf(err, errlen, "out of memory");
        if (p) {
            free(p->fd);
            free(p->path);
            free(p->bytes);
            free(p->lock);
        }
        free(p);
        return -1;
    }
    p->n = n;
    for (int i = 0; i < n; i++)
        p->fd[i] = -1;
    *out = p;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(prefix) + 16;
        p->path[i] = malloc(len);
        if (!p->path[i]) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        snprintf(p->path[i], len, "%s/%s%d", dir, prefix, i);
        p->fd[i] = open(p->path[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (p->fd[i] < 0) {
            snprintf(err, errlen, "%s: cannot create a partition file: %s", p->path[i], strerror(errno));
            return -1;
        }
        pthread_mutex_init(&p->lock[i], NULL);
    }
    return 0;
}

void pn__scr_parts_close(pn_scr_parts *p, bool unlink_files)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++) {
        if (p->fd[i] >= 0) {
            close(p->fd[i]);
            pthread_mutex_destroy(&p->lock[i]);
        }
        if (p->path[i] && unlink_files)
            unlink(p->path[i]);
        free(p->path[i]);
    }
    free(p->fd);
    free(p->path);
    free(p->bytes);
    free(p->lock);
    free(p);
}

int pn__scr_parts_count(const pn_scr_parts *p)
{
    return p->n;
}

const char *pn__scr_parts_path(const pn_scr_parts *p, int i)
{
    return p->path[i];
}

uint64_t pn__scr_parts_bytes(const pn_scr_parts *p)
{
    uint64_t t = 0;
    for (int i = 0; i < p->n; i++)
        t += p->bytes[i];
    return t;
}

pn_scr_writer *pn__scr_writer_new(pn_scr_parts *p, size_t buf_per_part)
{
    pn_scr_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->p = p;
    w->cap = buf_per_part;
    w->buf = malloc((size_t)p->n * buf_per_part);
    w->used = calloc((size_t)p->n, sizeof *w->used);
    if (!w->buf || !w->used) {
        free(w->buf);
        free(w->used);
        free(w);
        return NULL;
    }
    return w;
}

/* Writes all of iov under the partition lock. */
static int put(pn_scr_writer *w, int part, struct iovec *iov, int n)
{
    pn_scr_parts *p = w->p;
    pthread_mutex_lock(&p->lock[part]);
    int rc = 0;
    while (n > 0) {
        ssize_t k = writev(p->fd[part], iov, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            snprintf(w->error, sizeof w->error, "%s: cannot write a partition file: %s", p->path[part],
                     strerror(errno));
            rc = -1;
            break;
        }
        p->bytes[part] += (uint64_t)k;
        while (n > 0 && (size_t)k >= iov->iov_len) {
            k -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
    pthread_mutex_unlock(&p->lock[part]);
    return rc;
}

size_t pn__scr_rec_encode(char *buf, const pn_scr_rec *h, const char *key, const char *line)
{
    memcpy(buf, h, sizeof *h);
    memcpy(buf + sizeof *h, key, h->klen);
    memcpy(buf + sizeof *h + h->klen, line, h->len);
    return sizeof *h + h->klen + h->len;
}

int pn__scr_writer_add(pn_scr_writer *w, int part, const pn_scr_rec *h, const char *key, const char *line)
{
    size_t need = sizeof *h + h->klen + h->len;
    char *b = w->buf + (size_t)part * w->cap;
    if (w->used[part] + need > w->cap) {
        struct iovec iov[4] = {{b, w->used[part]}};
        int k = 1;
        if (need > w->cap) { /* a big line goes straight through */
            iov[k++] = (struct iovec){(void *)h, sizeof *h};
            iov[k++] = (struct iovec){(void *)key, h->klen};
            iov[k++] = (struct iovec){(void *)line, h->len};
        }
        if (put(w, part, iov, k))
            return -1;
        w->used[part] = 0;
        if (need > w->cap)
            return 0;
    }
    w->used[part] += pn__scr_rec_encode(b + w->used[part], h, key, line);
    return 0;
}

int pn__scr_writer_raw(pn_scr_writer *w, int part, const char *data, size_t n)
{
    char *b = w->buf + (size_t)part * w->cap;
    if (w->used[part] + n > w->cap) {
        struct iovec iov[2] = {{b, w->used[part]}, {(void *)data, n}};
        int k = n > w->cap ? 2 : 1;
        if (put(w, part, iov, k))
            return -1;
        w->used[part] = 0;
        if (k == 2)
            return 0;
    }
    memcpy(b + w->used[part], data, n);
    w->used[part] += n;
    return 0;
}

int pn__scr_writer_flush(pn_scr_writer *w)
{
    for (int i = 0; i < w->p->n; i++) {
        if (!w->used[i])
            continue;
        struct iovec iov = {w->buf + (size_t)i * w->cap, w->used[i]};
        if (put(w, i, &iov, 1))
            return -1;
        w->used[i] = 0;
    }
    return 0;
}

const char *pn__scr_writer_error(const pn_scr_writer *w)
{
    return w->error;
}

void pn__scr_writer_free(pn_scr_writer *w)
{
    if (!w)
        return;
    free(w->buf);
    free(w->used);
    free(w);
}
