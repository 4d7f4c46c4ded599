/* The workbench (werkbank): the browser UI in which a policy officer changes the rules
 * (docs/rules.md, "Werkbank"). Its files (werkbank/ and Debian's CodeMirror 5) are built
 * into the binary by scripts/embed.py --assets and served at /werkbank/ with a strict
 * Content-Security-Policy; the page talks only to the public API, with the bearer token
 * the user types in. */
#ifndef WW_WERKBANK_H
#define WW_WERKBANK_H

#include <stddef.h>

#include "server/server.h"

/* GET /werkbank (redirect), GET /werkbank/ (the page), GET /werkbank/{asset}; all open:
 * the files hold no secret, every API call from the page carries the user's token. */
const ww_route *ww_werkbank_routes(size_t *n);

#endif
