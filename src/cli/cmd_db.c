/* cmd_db.c - paraneo db (placeholder until its part lands). */
#include "cli/cli.h"

int pn_cmd_db(pn_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    fprintf(stderr, "paraneo: db: not built yet\n");
    return PN_EXIT_INTERNAL;
}
