/* placeholder until the decision core lands */
#include "wegwijzer/wegwijzer.h"
