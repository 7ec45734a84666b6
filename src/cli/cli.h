/* cli: the returnbridge command line. Subcommands are a table of
 * {name, handler, summary, usage}; each handler parses its own options and
 * returns an exit code. Output goes to the FILE*s in struct cli so tests can
 * run commands in-process. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdio.h>

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"
#include "util/cfg.h"

/* Exit codes, documented in docs/cli.md. */
enum cli_exit {
	CLI_OK = 0,        /* done */
	CLI_FAIL = 1,      /* the command ran and failed, or found nothing */
	CLI_USAGE = 2,     /* wrong arguments */
	CLI_CONFIG = 3,    /* configuration missing or invalid */
};

struct cli {
	FILE *out;
	FILE *err;
	const char *prog;  /* "returnbridge" */
};

typedef int cli_cmd_fn(struct cli *cli, int argc, char **argv);

struct cli_cmd {
	const char *name;
	cli_cmd_fn *fn;
	const char *summary;
	const char *usage;  /* options, one per line */
};

/* Run the command line; returns the process exit code. */
int cli_run(int argc, char **argv, FILE *out, FILE *err);

/* Which config file to use: explicit (-c) if given, else
 * $RETURNBRIDGE_CONFIG, else ./returnbridge.ini when it exists, else
 * /etc/returnbridge/returnbridge.ini. Never NULL. */
const char *cli_config_path(const char *explicit_path);

/* Load the config, printing every problem to cli->err with what to do.
 * Returns CLI_OK or CLI_CONFIG. */
int cli_load_config(struct cli *cli, const char *explicit_path, struct cfg *out);

/* Print "usage" help for a command. */
void cli_usage(struct cli *cli, const struct cli_cmd *cmd, FILE *f);

/* Subcommand handlers (cmd_*.c). */
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_exceptions(struct cli *cli, int argc, char **argv);
int cmd_resolve(struct cli *cli, int argc, char **argv);
/* Load the config (cli_load_config) and open its store, printing what went
 * wrong. Returns CLI_OK (release both), CLI_CONFIG or CLI_FAIL (nothing
 * to release). */
struct store;
int cli_open_store(struct cli *cli, const char *config, struct cfg *c, struct store **st);
/* Who is asking: $SUDO_USER, else $USER, else the login name. */
void cli_default_actor(char *out, size_t n);
int cmd_purge(struct cli *cli, int argc, char **argv);
int cmd_explain(struct cli *cli, int argc, char **argv);

/* cmd_explain.c: the engine's part of `status` — its Odoo documents and
 * credit lines — appended to root (--json; then printed, root kept by the
 * caller) or printed as text when root is NULL; and `explain`'s story of
 * return id (Rebound id rid). Errors as the store's. */
MUST_CHECK enum err_code cli_engine_status(FILE *out, struct store *st, int64_t id,
					   json_t *root, struct err *e);
MUST_CHECK enum err_code cli_explain(FILE *out, struct store *st, const char *rid,
				     int64_t id, struct err *e);
int cmd_backfill(struct cli *cli, int argc, char **argv);
int cmd_poll(struct cli *cli, int argc, char **argv);
int cmd_push_status(struct cli *cli, int argc, char **argv);
int cmd_doctor(struct cli *cli, int argc, char **argv);

/* cmd_request.c: operator requests, recorded for the engine to apply. */
int cmd_release(struct cli *cli, int argc, char **argv);
int cmd_cancel(struct cli *cli, int argc, char **argv);
int cmd_approve(struct cli *cli, int argc, char **argv);
int cmd_reject(struct cli *cli, int argc, char **argv);

/* The requests of return id, open and done, added to root as "requests"
 * (--json; root is printed by the caller) or printed as text when root is
 * NULL. Errors as the store's. */
MUST_CHECK enum err_code cli_requests_status(FILE *out, struct store *st, int64_t id,
					     json_t *root, struct err *e);

/* Find a command's table row by name (for per-command --help). */
const struct cli_cmd *cli_find(const char *name);

#endif
