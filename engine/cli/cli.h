/* The command line: wegwijzer serve|check|test|eval|report|version. */
#ifndef WW_CLI_H
#define WW_CLI_H

#include <jansson.h>
#include <stdio.h>

/* Entry point of the binary; returns the process exit code. */
int ww_cli_main(int argc, char **argv);

/* Rule commands (rulecmds.c). argv[0] is the command name ("check", ...).
 * Exit codes: 0 ok, 1 rule set or test failure, 2 usage error. */
int ww_cli_check(int argc, char **argv);
int ww_cli_test(int argc, char **argv);
int ww_cli_eval(int argc, char **argv);

/* The answer of eval (with its trace) explained in Dutch (evaltext.c). */
void ww_cli_eval_text(FILE *out, const json_t *answer);

/* wegwijzer report (reportcmd.c; the report is engine/report/): the channel mix of a
 * period from the decision log. Exit codes: 0 ok, 1 input or output failure, 2 usage
 * error. */
int ww_cli_report(int argc, char **argv);

#endif
