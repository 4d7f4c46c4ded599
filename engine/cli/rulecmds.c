/* placeholder until the rule commands land */
#include "cli/cli.h"
