/* Who may change a file that grants access or holds a key (--tokens, --secret-file). */
#ifndef WW_OWNER_H
#define WW_OWNER_H

#include <stddef.h>
#include <sys/stat.h>

/* 0 when 'st' (fstat of the opened file) is owned by the user the process runs as (its
 * effective uid) or by root: nobody else may have swapped the contents. Otherwise -1 with
 * what is wrong and the fix in 'why', e.g. "it is owned by uid 1000 (alice), not by root or
 * by uid 998 (wegwijzer), the user wegwijzer runs as; run: chown 998 /etc/wegwijzer/tokens". */
int ww_file_owner_check(const struct stat *st, const char *path, char *why, size_t whylen);

#endif
