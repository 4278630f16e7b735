/* cli.h - shared pieces of the paraneo command. */
#ifndef PN_CLI_H
#define PN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "paraneo.h"

/* Exit statuses: the contract's. */
enum { PN_EXIT_OK = 0, PN_EXIT_INTERNAL = 1, PN_EXIT_BADINPUT = 2 };

typedef struct pn_cli {
    const char *kb_dir; /* --kb, or NULL for the default */
    const char *prog;
} pn_cli;

/* The exit status for a library status. */
int pn_cli_exit_for(pn_status st);
/* Prints "paraneo: <formatted error>" to stderr and returns the exit status. */
int pn_cli_fail(const pn_error *err);
/* Loads the KB named by --kb / PARANEO_KB / the default, or reports why not. */
int pn_cli_load_kb(const pn_cli *cli, pn_kb **kb);
/* Reads a whole file ("-" = stdin) up to max bytes; NULL on failure with a
 * message in err (PN_EIO, PN_ETOOBIG or PN_ENOMEM). */
char *pn_cli_read(const char *path, size_t max, size_t *len, pn_error *err);
/* True when argv[i] asks for help. */
bool pn_cli_wants_help(int argc, char **argv);

int pn_cmd_kb(pn_cli *cli, int argc, char **argv);
int pn_cmd_case(pn_cli *cli, int argc, char **argv);
int pn_cmd_evaluate(pn_cli *cli, int argc, char **argv);
int pn_cmd_serve(pn_cli *cli, int argc, char **argv);  /* cmd_serve.c */
int pn_cmd_db(pn_cli *cli, int argc, char **argv);     /* cmd_db.c */
int pn_cmd_screen(pn_cli *cli, int argc, char **argv); /* cmd_screen.c */
int pn_cmd_synth(pn_cli *cli, int argc, char **argv);  /* cmd_synth.c */

#endif
