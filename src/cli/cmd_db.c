/* cmd_db.c - paraneo db check FILE | db migrate FILE: the service's store. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "server/store.h"

static const char db_usage[] =
    "usage: paraneo db check FILE\n"
    "       paraneo db migrate FILE\n"
    "\n"
    "The service's SQLite store (evaluations, CDS Hooks feedback, re-screening reminders).\n"
    "\n"
    "  check FILE    open FILE read-only, run SQLite's integrity and foreign-key checks,\n"
    "                print \"ok\" lines or the problems, the schema version and the rows\n"
    "                of each table.  Exit 0 clean, 1 damaged (or not a paraneo store),\n"
    "                2 FILE cannot be opened.\n"
    "  migrate FILE  open FILE (creating it when absent), apply the schema migrations it\n"
    "                lacks in one transaction, print the schema version.  A file from a\n"
    "                newer paraneo is refused (exit 2).  The service does the same on start.\n";

int pn_cmd_db(pn_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (pn_cli_wants_help(argc, argv)) {
        fputs(db_usage, stdout);
        return PN_EXIT_OK;
    }
    if (argc != 3 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "migrate") != 0)) {
        fputs(db_usage, stderr);
        return PN_EXIT_BADINPUT;
    }
    const char *path = argv[2];
    if (strcmp(argv[1], "check") == 0) {
        int rc = pn__store_check(path, stdout);
        if (rc == 2)
            fprintf(stderr, "paraneo: db check: %s cannot be opened\n", path);
        else if (rc == 1)
            fprintf(stderr, "paraneo: db check: %s is damaged or not a paraneo store\n", path);
        return rc == 0 ? PN_EXIT_OK : rc == 1 ? PN_EXIT_INTERNAL : PN_EXIT_BADINPUT;
    }
    pn_store *s = NULL;
    char err[512];
    if (pn__store_open(path, &s, err, sizeof err) != 0) {
        fprintf(stderr, "paraneo: db migrate: %s\n", err);
        return PN_EXIT_BADINPUT;
    }
    int before = 0, now = 0;
    pn__store_versions(s, &before, &now);
    pn__store_close(s);
    if (before == now)
        printf("%s: schema version %d (up to date)\n", path, now);
    else
        printf("%s: schema version %d (was %d)\n", path, now, before);
    return PN_EXIT_OK;
}
