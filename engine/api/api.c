/* placeholder until the handlers land */
#include <stddef.h>
