/* placeholder until the rule engine lands */
#include "wegwijzer/wegwijzer.h"
