// SPDX-License-Identifier: Apache-2.0
/* login.c - `dory login` and `dory logout`: credentials in Docker's
 * config.json. The check against the registry is core/registry/registry.c's. */
//@applet login   APPLET_LOGIN  login_main
//@applet logout  APPLET_LOGIN  logout_main
//@config APPLET_LOGIN
//@	bool "login, logout (~4 KB)"
//@	default y
//@	select CORE_REGISTRY
//@	help
//@	  Usage: dory login [OPTIONS] [SERVER]
//@	     or: dory logout [SERVER]
//@
//@	  login checks a user name and password against the registry SERVER
//@	  (default docker.io) and saves them for pull in Docker's config.json
//@	  ($DOCKER_CONFIG/config.json, else ~/.docker/config.json; mode 0600,
//@	  unencrypted). logout removes them.
//@
//@	    -u, --username USER  user name (asked for on a terminal)
//@	    -p, --password PASS  password (insecure: other users see it in ps)
//@	        --password-stdin read the password from stdin
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/registry/registry.h"
#include "core/util/b64.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/str.h"
#include "core/util/xalloc.h"

#define HUB_KEY "https://index.docker.io/v1/"	/* where Docker keeps Hub's entry */

enum { LOGIN_MAX_SECRET = 64 << 10 };

struct login_opts {
	const char *user, *pass;
	bool pass_stdin;
};

static const struct opt login_optv[] = {
	OPT_STR('u', "username", offsetof(struct login_opts, user)),
	OPT_STR('p', "password", offsetof(struct login_opts, pass)),
	OPT_BOOL(0, "password-stdin", offsetof(struct login_opts, pass_stdin)),
	OPT_END
};

/* The terminal's settings while the password is typed, so that a signal
 * does not leave it without echo. */
static struct termios login_tty;

static void login_tty_restore(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &login_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool is_hub(const char *host)
{
	return !strcmp(host, "docker.io") || !strcmp(host, "index.docker.io") ||
	       !strcmp(host, "registry-1.docker.io");
}

/* Docker's name for a server: scheme and path dropped ("https://r:5000/v2/"
 * is "r:5000"), every name of Docker Hub "docker.io"; allocated. */
static char *login_server(const char *arg)
{
	char *host;

	if (!arg)
		return xstrdup("docker.io");
	if (!strncmp(arg, "https://", 8) || !strncmp(arg, "http://", 7))
		arg = strstr(arg, "//") + 2;
	host = xstrndup(arg, strcspn(arg, "/"));
	if (!*host || strpbrk(host, " \t\n\"\\"))
		die("invalid server name \"%s\" (give HOST[:PORT])", arg);
	if (is_hub(host)) {
		free(host);
		return xstrdup("docker.io");
	}
	return host;
}

/* The config.json key for a server (Docker Hub's is a URL). */
static const char *login_key(const char *server)
{
	return strcmp(server, "docker.io") ? server : HUB_KEY;
}

/* One line from stdin without its newline; allocated, NULL at EOF. */
static char *login_read_line(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = 0;
	return line;
}

static char *login_prompt_password(void)
{
	struct termios quiet;
	char *pass;

	if (tcgetattr(STDIN_FILENO, &login_tty) < 0)
		die_errno("read the terminal's settings");
	quiet = login_tty;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	signal(SIGINT, login_tty_restore);
	signal(SIGTERM, login_tty_restore);
	signal(SIGHUP, login_tty_restore);
	fputs("Password: ", stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0)
		die_errno("turn off the terminal's echo");
	pass = login_read_line();
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &login_tty);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	return pass;
}

/* The whole of stdin, less one trailing newline (Docker's --password-stdin). */
static char *login_read_stdin(void)
{
	char *buf = xmalloc(LOGIN_MAX_SECRET + 1);
	ssize_t n = fsutil_read_full(STDIN_FILENO, buf, LOGIN_MAX_SECRET + 1);

	if (n < 0) {
		errno = (int)-n;
		die_errno("read the password from stdin");
	}
	if (n > LOGIN_MAX_SECRET)
		die("the password on stdin is longer than %d bytes", LOGIN_MAX_SECRET);
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	return buf;
}

/* "user:pass" from the options, stdin or the terminal; allocated. */
static char *login_creds(const struct login_opts *o)
{
	autofree char *user = o->user ? xstrdup(o->user) : NULL, *pass = NULL;
	bool tty = isatty(STDIN_FILENO);

	if (o->pass && o->pass_stdin)
		die("--password and --password-stdin are mutually exclusive");
	if (o->pass_stdin && !user)
		die("--password-stdin needs --username");
	if (o->pass) {
		warn("Using --password via the CLI is insecure. Use --password-stdin.");
		pass = xstrdup(o->pass);
	} else if (o->pass_stdin) {
		pass = login_read_stdin();
	} else if (!tty) {
		die("no password and stdin is not a terminal (use --password-stdin)");
	}
	if (!user && !tty)
		die("no user name and stdin is not a terminal (use --username)");
	if (!user) {
		fputs("Username: ", stderr);
		user = login_read_line();
	}
	if (!user || !*user)
		die("a user name is required");
	if (strchr(user, ':'))
		die("invalid user name \"%s\": it holds ':'", user);
	if (!pass)
		pass = login_prompt_password();
	if (!pass || !*pass)
		die("a password is required");
	return xasprintf("%s:%s", user, pass);
}

/* Docker's config.json as a tree (an absent or empty file is {}); the real
 * path in *path when it is a symlink, so that saving keeps the link. */
static struct json *login_conf_load(char **path)
{
	autofree char *text = NULL, *real = realpath(*path, NULL);
	struct json *doc;
	int rc;

	if (real) {
		free(*path);
		*path = TAKE(real);
	}
	rc = fsutil_read_file(*path, &text);
	if (rc == -ENOENT)
		return json_new_obj();
	if (rc < 0)
		die_err();
	if (!text[strspn(text, " \t\r\n")])
		return json_new_obj();
	doc = json_parse(text, strlen(text));
	if (!doc || !json_is_obj(doc))
		die("%s: not a JSON object%s%s (fix or remove the file)", *path,
		    doc ? "" : ": ", doc ? "" : err_str());
	return doc;
}

/* Write doc to path crash-safely: a 0600 temporary file beside it, fsync,
 * rename, fsync of the directory. The directory is made 0700 if missing. */
static int login_conf_save(const char *path, const struct json *doc)
{
	autofree char *dir = xstrndup(path, strrchr(path, '/') - path), *text = NULL;
	autofree char *tmp = xasprintf("%s.tmpXXXXXX", path);
	autoclose int fd = -1, dfd = -1;
	size_t n;

	if (fsutil_mkdir_p(*dir ? dir : "/", 0700) < 0)
		return err_ctx("config directory");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(errno, "create %s", tmp);
	text = json_print(doc, true);
	n = strlen(text);
	text = xrealloc(text, n + 2);
	memcpy(text + n, "\n", 2);
	if (fchmod(fd, 0600) < 0 || fsutil_write_full(fd, text, n + 1) < 0 || fsync(fd) < 0) {
		err_set(errno, "write %s", tmp);
		goto undo_tmp;
	}
	if (rename(tmp, path) < 0) {
		err_set(errno, "rename %s to %s", tmp, path);
		goto undo_tmp;
	}
	dfd = openat(AT_FDCWD, *dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0 && fsync(dfd) < 0 && errno != EINVAL)
		return err_set(errno, "fsync %s", dir);
	return 0;
undo_tmp:
	unlink(tmp);
	return -err_errno();
}

/* The "auths" object of doc, made when missing or not an object. */
static struct json *login_auths(struct json *doc)
{
	struct json *a = json_get(doc, "auths");

	if (json_is_obj(a))
		return a;
	json_del(doc, "auths");
	return json_add_obj(doc, "auths");
}

int login_main(int argc, char **argv)
{
	struct login_opts o = { 0 };
	struct dory_conf conf;
	autofree char *server = NULL, *creds = NULL, *path = NULL, *b = NULL;
	struct json *doc, *ent, *auths;
	char **args;

	(void)argc;
	args = opt_parse(login_optv, &o, argv);
	if (args[0] && args[1])
		die("give at most one server (usage: dory login [OPTIONS] [SERVER])");
	server = login_server(args[0]);
	creds = login_creds(&o);
	if (conf_load(&conf) < 0 || reg_login(server, creds, &conf) < 0)
		die_err();
	conf_clear(&conf);
	path = reg_creds_path();
	doc = login_conf_load(&path);
	auths = login_auths(doc);
	b = b64_encode(creds, strlen(creds));
	json_del(auths, login_key(server));
	ent = json_add_obj(auths, login_key(server));
	json_add_str(ent, "auth", b);
	if (login_conf_save(path, doc) < 0)
		die_err();
	json_free(doc);
	puts("Login Succeeded");
	return fflush(stdout) ? 125 : 0;
}

/* Every key Docker or reg_creds_lookup would take for server. */
static void logout_keys(const char *server, const char *keys[4], char **own)
{
	memset(keys, 0, 4 * sizeof(*keys));
	if (!strcmp(server, "docker.io")) {
		keys[0] = HUB_KEY;
		keys[1] = "index.docker.io";
		keys[2] = "docker.io";
		keys[3] = "https://docker.io";
		return;
	}
	keys[0] = server;
	keys[1] = own[0] = xasprintf("https://%s", server);
	keys[2] = own[1] = xasprintf("http://%s", server);
}

int logout_main(int argc, char **argv)
{
	static const struct opt optv[] = { OPT_END };
	autofree char *server = NULL, *path = NULL;
	char *own[2] = { NULL, NULL };
	const char *keys[4];
	struct json *doc, *auths;
	bool found = false;
	char **args;
	int rc = 0;

	(void)argc;
	args = opt_parse(optv, NULL, argv);
	if (args[0] && args[1])
		die("give at most one server (usage: dory logout [SERVER])");
	server = login_server(args[0]);
	logout_keys(server, keys, own);
	path = reg_creds_path();
	doc = login_conf_load(&path);
	auths = json_get(doc, "auths");
	for (int i = 0; i < 4 && keys[i]; i++)
		if (json_get(auths, keys[i])) {
			json_del(auths, keys[i]);
			found = true;
		}
	if (!found) {
		printf("Not logged in to %s\n", login_key(server));
	} else {
		printf("Removing login credentials for %s\n", login_key(server));
		rc = login_conf_save(path, doc);
	}
	json_free(doc);
	free(own[0]);
	free(own[1]);
	if (rc < 0)
		die_err();
	return fflush(stdout) ? 125 : 0;
}
