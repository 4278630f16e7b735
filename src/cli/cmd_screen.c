/* cmd_screen.c - paraneo screen (placeholder until its part lands). */
#include "cli/cli.h"

int pn_cmd_screen(pn_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    fprintf(stderr, "paraneo: screen: not built yet\n");
    return PN_EXIT_INTERNAL;
}
