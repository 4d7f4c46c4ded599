#include "cli/cli.h"
#include <stdio.h>
int ww_cli_main(int argc, char **argv) { (void)argc; (void)argv; return 0; }
