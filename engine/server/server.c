/* placeholder until the HTTP server lands */
#include "server/server.h"
int ww_server_run(const ww_server_opts *opts) { (void)opts; return -1; }
