/* cmd_serve.c - paraneo serve (placeholder until its part lands). */
#include "cli/cli.h"

int pn_cmd_serve(pn_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    fprintf(stderr, "paraneo: serve: not built yet\n");
    return PN_EXIT_INTERNAL;
}
