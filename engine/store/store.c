/* placeholder until the store lands */
#include <stddef.h>
