#include "util/owner.h"

#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

/* " (name)" for a uid, or "" when it has no passwd entry. */
static void uid_name(uid_t uid, char *out, size_t outlen) {
  struct passwd pw, *found = NULL;
  char buf[1024];
  out[0] = '\0';
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
    snprintf(out, outlen, " (%s)", found->pw_name);
}

int ww_file_owner_check(const struct stat *st, const char *path, char *why, size_t whylen) {
  uid_t me = geteuid();
  if (st->st_uid == me || st->st_uid == 0) return 0;
  char owner[80], mine[80];
  uid_name(st->st_uid, owner, sizeof owner);
  uid_name(me, mine, sizeof mine);
  snprintf(why, whylen,
           "it is owned by uid %u%s, not by root or by uid %u%s, the user wegwijzer runs as; "
           "run: chown %u %s",
           (unsigned)st->st_uid, owner, (unsigned)me, mine, (unsigned)me, path);
  return -1;
}
