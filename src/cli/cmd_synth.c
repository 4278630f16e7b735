/* cmd_synth.c - paraneo synth (placeholder until its part lands). */
#include "cli/cli.h"

int pn_cmd_synth(pn_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    fprintf(stderr, "paraneo: synth: not built yet\n");
    return PN_EXIT_INTERNAL;
}
