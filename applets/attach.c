// SPDX-License-Identifier: Apache-2.0
/* attach.c - dory attach: this terminal on a detached container's pty or
 * output, through its supervisor, until it exits or ctrl-p ctrl-q. The
 * relay is core/ctr/attach.c's. */
//@applet attach  APPLET_ATTACH  attach_main  NEEDROOT
//@config APPLET_ATTACH
//@	bool "attach (~4 KB)"
//@	default y
//@	depends on APPLET_RUN
//@	help
//@	  Usage: dory attach [OPTIONS] CONTAINER
//@
//@	  Attach this terminal to a running container started with -d: its
//@	  output (and its pty with -dt), and input with -i. Exits with the
//@	  container's status when it exits; the detach keys (ctrl-p ctrl-q)
//@	  leave it running and exit 1 ("read escape sequence"), as Docker.
//@
//@	        --detach-keys K  other detach keys: a letter or ctrl-KEY, comma
//@	                         separated ("ctrl-a,x")
//@	        --no-stdin       do not send input
//@	        --sig-proxy      pass signals on to a container without a pty
//@	                         (default true; --sig-proxy=false to not)
#include <unistd.h>

#include "applets.h"
#include "core/ctr/attach.h"
#include "core/ctr/attach_client.h"
#include "core/ctr/ctr.h"
#include "core/util/err.h"
#include "core/util/log.h"
#include "core/util/opt.h"

struct attach_cli {
	const char *keys;
	bool no_stdin, sig_proxy;
};

static const struct opt attach_optv[] = {
	OPT_STR(0, "detach-keys", offsetof(struct attach_cli, keys)),
	OPT_BOOL(0, "no-stdin", offsetof(struct attach_cli, no_stdin)),
	OPT_BOOL(0, "sig-proxy", offsetof(struct attach_cli, sig_proxy)),
	OPT_END
};

/* Docker's checks, in its words: only a container that runs. */
static void attach_check(const char *id, const struct ctr_config *c, bool in)
{
	struct ctr_state st;

	if (ctr_state_load(id, false, &st) < 0)
		die_err();
	dory.fail_code = 1;
	if (st.status == CTR_PAUSED)
		die("You cannot attach to a paused container, unpause it first");
	if (st.status == CTR_RESTARTING)
		die("You cannot attach to a restarting container, wait until it is running");
	if (st.status != CTR_RUNNING)
		die("You cannot attach to a stopped container, start it first");
	ctr_state_clear(&st);
	if (in && c->tty && !isatty(0))
		die("the input device is not a TTY");
	dory.fail_code = 125;
}

int attach_main(int argc, char **argv)
{
	struct attach_cli o = { .sig_proxy = true };
	unsigned char keys[ATTACH_KEYS_MAX] = { 16, 17 };	/* ctrl-p ctrl-q */
	struct attach_opts a = { .esc = { .keys = keys, .n = 2 } };
	struct ctr_config c;
	char **args, id[CTR_ID_LEN + 1];
	int status, r;

	(void)argc;
	args = opt_parse(attach_optv, &o, argv);
	if (!args[0] || args[1])
		die("give one container (see 'dory attach --help')");
	if (o.keys && attach_keys_parse(o.keys, keys, &a.esc.n) < 0)
		die_err();
	dory.fail_code = 1;
	if (ctr_find(args[0], id) < 0 || ctr_config_load(id, &c) < 0)
		die_err();
	dory.fail_code = 125;
	a.in = !o.no_stdin && c.interactive;
	a.tty = c.tty;
	a.proxy = o.sig_proxy;
	attach_check(id, &c, a.in);
	r = attach_run(id, &a, &status);
	if (r < 0)
		die_err();
	if (r == 1) {
		fputs("read escape sequence\n", stderr);	/* Docker's words, alone */
		return 1;
	}
	return status;
}
