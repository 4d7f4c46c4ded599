/* The command line: wegwijzer serve|check|test|eval|report|replay|diff|version. */
#ifndef WW_CLI_H
#define WW_CLI_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "wegwijzer/wegwijzer.h"

/* Entry point of the binary; returns the process exit code. */
int ww_cli_main(int argc, char **argv);

/* Rule commands (rulecmds.c). argv[0] is the command name ("check", ...).
 * Exit codes: 0 ok, 1 rule set or test failure, 2 usage error. */
int ww_cli_check(int argc, char **argv);
int ww_cli_test(int argc, char **argv);
int ww_cli_eval(int argc, char **argv);

/* Load the rule set in 'dir' ('strict': warnings are errors), or say on stderr why it
 * failed (every load error, FILE:LINE) and return NULL (rulecmds.c). */
ww_rules *ww_cli_load_rules(const char *dir, int strict);
/* The same with limits 'lim' (borrowed). */
ww_rules *ww_cli_load_rules_with(const char *dir, const ww_limits *lim);

/* The answer of eval (with its trace) explained in Dutch (evaltext.c). */
void ww_cli_eval_text(FILE *out, const json_t *answer);

/* wegwijzer report (reportcmd.c; the report is engine/report/): the channel mix of a
 * period from the decision log. Exit codes: 0 ok, 1 input or output failure, 2 usage
 * error. */
int ww_cli_report(int argc, char **argv);

/* wegwijzer replay and wegwijzer diff (replaycmd.c; engine/replay/): the impact of a rule
 * change on recorded decisions, or on a generated grid. Exit codes: 0 ok, 1 more changed
 * than --max-changed or an input failure, 2 usage error. */
int ww_cli_replay(int argc, char **argv);
int ww_cli_diff(int argc, char **argv);

#endif
