/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Subcommands of the acceptsim binary.  Each takes the arguments after its
 * name (argv[0] is "acceptsim CMD") and returns the process exit code:
 * 0 success, 1 a result the user asked to detect (e.g. a regression),
 * 2 bad usage or input.
 */
#ifndef SIM_COMMANDS_H
#define SIM_COMMANDS_H

struct sim_command {
	const char *name;
	const char *summary;		/* one line for "acceptsim --help" */
	int (*run)(int argc, char **argv);
};

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_frag(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_baseline(int argc, char **argv);

#endif /* SIM_COMMANDS_H */
