/* main.c - the paraneo command: global options and sub-command dispatch. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error_int.h"

static const char usage[] =
    "usage: paraneo [--kb DIR] COMMAND [ARGS]\n"
    "\n"
    "Clinical decision support for paraneoplastic syndromes.\n"
    "\n"
    "Commands:\n"
    "  kb check             validate the knowledge base (exit 2 if it is invalid)\n"
    "  kb list [--system S] [--kind K]\n"
    "                       list syndromes and mimics\n"
    "  kb show ID [--json]  one syndrome with its facts and sources\n"
    "  kb stats [--json]    what the knowledge base holds and how well it is sourced\n"
    "  case check FILE|-    validate a case/1 document and print it normalised\n"
    "  evaluate FILE|- [FILE...] [--format json|text|markdown]\n"
    "                       evaluate cases: differential, PNS-Care, criteria, cancers,\n"
    "                       workup, treatment, triage (JSON when not on a terminal)\n"
    "\n"
    "Options:\n"
    "  --kb DIR             knowledge-base directory (default: $PARANEO_KB, else the\n"
    "                       installed one, else ./kb)\n"
    "  --version            print versions and exit\n"
    "  --help               this text; COMMAND --help for a command's own\n"
    "\n"
    "Exit status: 0 success, 2 bad input, 1 internal failure.\n";

int pn_cli_exit_for(pn_status st)
{
    switch (st) {
    case PN_OK: return PN_EXIT_OK;
    case PN_EINVAL:
    case PN_EKB:
    case PN_ETOOBIG:
    case PN_ENOTFOUND:
    case PN_EIO: return PN_EXIT_BADINPUT;
    default: return PN_EXIT_INTERNAL;
    }
}

int pn_cli_fail(const pn_error *err)
{
    char buf[1200];
    fprintf(stderr, "paraneo: %s\n", pn_error_format(err, buf, sizeof buf));
    return pn_cli_exit_for(err->status);
}

int pn_cli_load_kb(const pn_cli *cli, pn_kb **kb)
{
    pn_error err = {0};
    pn_status st = pn_kb_load(cli->kb_dir, kb, &err);
    if (st != PN_OK) {
        if (st == PN_EKB || st == PN_EIO)
            fprintf(stderr, "paraneo: the knowledge base in %s is not usable\n",
                    cli->kb_dir ? cli->kb_dir : pn_kb_default_dir());
        return pn_cli_fail(&err);
    }
    return PN_EXIT_OK;
}

char *pn_cli_read(const char *path, size_t max, size_t *len, pn_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        pn__error_set(err, PN_EIO, path, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap > max)
                break;
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    bool bad = !buf || ferror(f);
    if (!is_stdin)
        fclose(f);
    if (!buf) {
        pn__error_set(err, PN_ENOMEM, path, NULL, "out of memory");
        return NULL;
    }
    if (bad) {
        free(buf);
        pn__error_set(err, PN_EIO, path, NULL, "read error");
        return NULL;
    }
    if (n > max) {
        free(buf);
        pn__error_set(err, PN_ETOOBIG, path, "$", "input larger than %zu bytes", max);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

bool pn_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    pn_cli cli = {.prog = "paraneo"};
    static const struct option opts[] = {{"kb", required_argument, NULL, 'k'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    /* '+': stop at the first non-option, the command. */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'k': cli.kb_dir = optarg; break;
        case 'V': {
            printf("paraneo %s\n", pn_version());
            pn_kb *kb = NULL;
            pn_error err = {0};
            if (pn_kb_load(cli.kb_dir, &kb, &err) == PN_OK) {
                printf("knowledge base %s (%s)\n", pn_kb_version(kb), pn_kb_digest(kb));
                pn_kb_free(kb);
            } else {
                char buf[1200];
                printf("knowledge base: not loaded (%s)\n", pn_error_format(&err, buf, sizeof buf));
            }
            return PN_EXIT_OK;
        }
        case 'h': fputs(usage, stdout); return PN_EXIT_OK;
        default: fputs(usage, stderr); return PN_EXIT_BADINPUT;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return PN_EXIT_BADINPUT;
    }
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    if (strcmp(cmd, "kb") == 0)
        return pn_cmd_kb(&cli, sub_argc, sub_argv);
    if (strcmp(cmd, "case") == 0)
        return pn_cmd_case(&cli, sub_argc, sub_argv);
    if (strcmp(cmd, "evaluate") == 0)
        return pn_cmd_evaluate(&cli, sub_argc, sub_argv);
    if (strcmp(cmd, "serve") == 0)
        return pn_cmd_serve(&cli, sub_argc, sub_argv);
    if (strcmp(cmd, "db") == 0)
        return pn_cmd_db(&cli, sub_argc, sub_argv);
    if (strcmp(cmd, "screen") == 0)
        return pn_cmd_screen(&cli, sub_argc, sub_argv);
    if (strcmp(cmd, "synth") == 0)
        return pn_cmd_synth(&cli, sub_argc, sub_argv);
    if (strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return PN_EXIT_OK;
    }
    fprintf(stderr, "paraneo: unknown command \"%s\"\n\n%s", cmd, usage);
    return PN_EXIT_BADINPUT;
}
