/* symbiod run (the daemon in the foreground) and symbiod status (ask it how it is). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "sysexits.h"
#include "exitcode.h"

int
cmd_run(int argc, char **argv)
{
	const char *usage = "run --dir PARK [--endpoint tcp://HOST:PORT] [--log-level LEVEL]\n"
	                    "           [--log-format text|json] [--config FILE]";
	struct server_opts opts = {NULL, 0, 0};
	struct sym_diag diag = {""};
	struct park *park = NULL;
	enum log_level level;
	struct cmd_args a;
	int r;

	if ((r = cmd_parse(argc, argv, &a, usage, 1)) != 0)
		return r < 0 ? 0 : r;
	if (a.log_level != NULL &&
	    (cmd_cfg.log_level = cmd_choice(cmd_log_levels, a.log_level)) < 0) {
		fprintf(stderr, "symbiod run: --log-level: not one of err, warning, notice, info, "
		                "debug\n");
		return EXIT_USAGE;
	}
	if (a.log_format != NULL &&
	    (cmd_cfg.log_format = cmd_choice(cmd_log_formats, a.log_format)) < 0) {
		fprintf(stderr, "symbiod run: --log-format: not one of text, json\n");
		return EXIT_USAGE;
	}
	opts.endpoint = a.endpoint ? a.endpoint : cmd_cfg.endpoint[0] ? cmd_cfg.endpoint : NULL;
	opts.handshake_ms = cmd_cfg.handshake_ms;
	opts.heartbeat_ms = cmd_cfg.heartbeat_ms;
	level = (enum log_level)(LOG_LVL_ERR + cmd_cfg.log_level);
	log_init("symbiod", level);
	log_set_level(level);
	log_set_format(cmd_cfg.log_format == 1);
	if (cmd_cfg_from != NULL)
		log_info("settings from %s", cmd_cfg_from);
	/* The daemon needs no CA key to serve: it stays on disk. */
	if ((r = park_open(a.dir, 0, &park, &diag)) != SYM_OK) {
		log_err("%s", diag.msg);
		return sym_exit_code(r, SYM_ORIGIN_INPUT);
	}
	/* What a crash left: batch files of ended rounds, replaced or abandoned uploads. */
	if (store_batch_files_sweep(park->store) != SYM_OK)
		log_warn("some token batch files under %s/batches could not be wiped; see above",
		         a.dir);
	r = server_run(park, &opts);
	park_close(&park);
	return r;
}

int
cmd_status(int argc, char **argv)
{
	const char *usage = "status --dir PARK [--json]";
	json_t *req, *reply = NULL;
	struct cmd_args a;
	int r;

	if ((r = cmd_parse(argc, argv, &a, usage, 0)) != 0)
		return r < 0 ? 0 : r;
	req = json_pack("{s:s}", "cmd", "status");
	r = cmd_control("status", a.dir, req, 5000, 0, &reply);
	json_decref(req);
	if (r != 0)
		return r;
	if (a.json) {
		json_object_del(reply, "ok");
		cmd_print_json(reply);
	} else {
		printf("park      %s\nendpoint  %s\nmembers   %lld\nphase     %s\nrequests  %lld "
		       "(%lld refused)\n",
		       json_string_value(json_object_get(reply, "park")),
		       json_string_value(json_object_get(reply, "endpoint")),
		       (long long)json_integer_value(json_object_get(reply, "members")),
		       json_string_value(json_object_get(reply, "phase")),
		       (long long)json_integer_value(json_object_get(reply, "requests")),
		       (long long)json_integer_value(json_object_get(reply, "requests_refused")));
	}
	json_decref(reply);
	return 0;
}
