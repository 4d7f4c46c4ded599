/* The command line: wegwijzer serve|check|test|eval|report|version. */
#ifndef WW_CLI_H
#define WW_CLI_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Entry point of the binary; returns the process exit code. */
int ww_cli_main(int argc, char **argv);

/* Rule commands (rulecmds.c). argv[0] is the command name ("check", ...).
 * Exit codes: 0 ok, 1 rule set or test failure, 2 usage error. */
int ww_cli_check(int argc, char **argv);
int ww_cli_test(int argc, char **argv);
int ww_cli_eval(int argc, char **argv);

/* Load the rule set in 'dir' ('strict': warnings are errors), or say on stderr why it
 * failed (every load error, FILE:LINE) and return NULL (rulecmds.c). */
struct ww_rules *ww_cli_load_rules(const char *dir, int strict);

/* The answer of eval (with its trace) explained in Dutch (evaltext.c). */
void ww_cli_eval_text(FILE *out, const json_t *answer);

/* wegwijzer report (reportcmd.c; the report is engine/report/): the channel mix of a
 * period from the decision log. Exit codes: 0 ok, 1 input or output failure, 2 usage
 * error. */
int ww_cli_report(int argc, char **argv);
/* A time for --since / --until: ISO 8601 with offset, a date (midnight in Amsterdam), or
 * (allow_dur) "90m", "24h", "7d", "4w", "3600s" back from 'now_ms'. 0 or -1 (reportcmd.c). */
int ww_cli_parse_when(const char *s, int allow_dur, int64_t now_ms, int64_t *ms);

/* wegwijzer replay and wegwijzer diff (replaycmd.c; engine/replay/): the impact of a rule
 * change on recorded decisions, or on a generated grid. Exit codes: 0 ok, 1 more changed
 * than --max-changed or an input failure, 2 usage error. */
int ww_cli_replay(int argc, char **argv);
int ww_cli_diff(int argc, char **argv);

#endif
