/* wegwijzer: argv -> the command line module. Nothing else lives here. */
#include "cli/cli.h"

int main(int argc, char **argv) { return ww_cli_main(argc, argv); }
