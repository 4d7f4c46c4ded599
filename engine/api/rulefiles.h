/* A rule set as files in JSON, {"channels.lua": "text", "steering/web.lua": "text", ...}:
 * how versions and drafts travel through the store and HTTP (issue 14). Read from a rules
 * dir, checked (paths and caps), written to a private temp dir for the loader, compared
 * line by line for the audit. */
#ifndef WW_API_RULEFILES_H
#define WW_API_RULEFILES_H

#include <jansson.h>
#include <stddef.h>

#define WW_RULEFILES_MAX_BYTES ((size_t)2 * 1024 * 1024)   /* all files together */
#define WW_RULEFILES_MAX_COUNT 200
#define WW_RULEFILES_TMP_MAX 300                           /* room for a temp dir path */

/* The files the loader reads from 'dir' (channels.lua, services.lua, steering/ *.lua,
 * tests/ *.lua) in its order, with the version the loader gives them in 'version'. New,
 * or NULL when one cannot be read or is not UTF-8 text ('why' says which). */
json_t *ww_rulefiles_read(const char *dir, char version[16], char *why, size_t whylen);

/* The version (content hash) the loader gives 'files', as ww_rules_version() would. */
void ww_rulefiles_version(const json_t *files, char version[16]);

/* Check a "files" member of a request: an object of 1 to WW_RULEFILES_MAX_COUNT paths
 * "channels.lua", "services.lua", "steering/NAME.lua" or "tests/NAME.lua" (NAME of
 * A-Z a-z 0-9 _ - ., not starting with '.') whose texts together hold at most
 * WW_RULEFILES_MAX_BYTES. NULL when good, else invalidParams (new, named "files" or
 * "files.PATH"). */
json_t *ww_rulefiles_check(const json_t *files);

/* Write checked 'files' into a new private dir (mkdtemp, mode 0700; files 0600, never
 * following a link) under $TMPDIR or /tmp; its path in 'dir'. 0, or -1 (nothing left). */
int ww_rulefiles_write(const json_t *files, char dir[WW_RULEFILES_TMP_MAX]);
/* Remove a dir made by ww_rulefiles_write with everything in it. */
void ww_rulefiles_remove(const char *dir);

/* [{path, added, removed}] of every file that differs between 'from' and 'to' (either may
 * be NULL: no files), sorted by path; counts from a line diff (util/linediff.h). New. */
json_t *ww_rulefiles_diff(const json_t *from, const json_t *to);

/* Load errors and warnings ("FILE:LINE: message", "FILE: message" or "message") as
 * [{file, line, message}] (file "" and line 0 when not named). New. */
json_t *ww_rulefiles_problems(const json_t *texts);

#endif
