// SPDX-License-Identifier: Apache-2.0
/* tls_test.c - TLS against `openssl s_server` with certificates made at test
 * time (two CAs, IP and name SANs, an expired one); skipped without openssl. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "core/registry/http.h"
#include "core/registry/tls.h"
#include "core/util/err.h"
#include "core/util/xalloc.h"
#include "tap.h"
#include "fixture.h"

#if defined(CFG_CORE_TLS) && !CFG_CORE_TLS
#define TLS_BUILT 0
#else
#define TLS_BUILT 1
#endif

enum { SRV_GOOD, SRV_LOCALHOST, SRV_EXPIRED, SRV_OTHER_CA, SRV_OLD, SRV_N };

static struct {
	bool tried, ok;
	char dir[64];
	int port[SRV_N];
	pid_t pid[SRV_N];
} fx;

static char *path_of(const char *name)
{
	static char buf[4][128];
	static int i;
	char *p = buf[i++ % 4];

	snprintf(p, 128, "%s/%s", fx.dir, name);
	return p;
}

/* Run argv (stdout and stderr to DIR/log) and wait: its exit status. */
static int run(char *const argv[])
{
	const char *log = fx.dir[0] ? path_of("log") : "/dev/null";
	pid_t pid;
	int st = -1;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define RUN(...) run((char *const[]){ __VA_ARGS__, NULL })

/* CA NAME: self-signed CA certificate NAME.crt and key NAME.key. */
static int make_ca(const char *name, const char *keyalg)
{
	char crt[64], key[64], subj[64];

	snprintf(crt, sizeof(crt), "%s.crt", name);
	snprintf(key, sizeof(key), "%s.key", name);
	snprintf(subj, sizeof(subj), "/CN=dory test %s", name);
	return RUN("openssl", "req", "-config", "cfg", "-x509", "-newkey", (char *)keyalg,
		   "-nodes", "-keyout", key, "-out", crt, "-days", "3650", "-subj", subj,
		   "-addext", "basicConstraints=critical,CA:TRUE",
		   "-addext", "keyUsage=critical,keyCertSign,cRLSign");
}

/* Sign csr from START to END ("START:END", YYYYMMDDhhmmssZ each): OpenSSL
 * 3.0's x509 cannot set the dates, `openssl ca` can. */
static int sign_dated(const char *csr, const char *crt, const char *cacrt, const char *cakey,
		      const char *san, const char *dates)
{
	char start[32], end[32];
	FILE *f = fopen("ca.cnf", "w");

	if (!f || sscanf(dates, "%31[^:]:%31s", start, end) != 2) {
		if (f)
			fclose(f);
		return -1;
	}
	fprintf(f, "[ca]\ndefault_ca=tca\n[tca]\ndatabase=ca.db\nnew_certs_dir=.\n"
		"serial=ca.serial\ndefault_md=sha256\npolicy=pol\nunique_subject=no\n"
		"[pol]\ncommonName=supplied\n[ext]\nsubjectAltName=%s\n"
		"basicConstraints=CA:FALSE\n", san);
	fclose(f);
	if (!(f = fopen("ca.db", "w")))
		return -1;
	fclose(f);
	if (!(f = fopen("ca.serial", "w")))
		return -1;
	fputs("1000\n", f);
	fclose(f);
	return RUN("openssl", "ca", "-batch", "-notext", "-config", "ca.cnf", "-extensions", "ext",
		   "-cert", (char *)cacrt, "-keyfile", (char *)cakey, "-startdate", start,
		   "-enddate", end, "-in", (char *)csr, "-out", (char *)crt);
}

/* Server certificate NAME signed by CA with the given subjectAltName, for
 * days from now, or for "START:END" (sign_dated). */
static int make_cert(const char *name, const char *ca, const char *cn, const char *san,
		     const char *days)
{
	char crt[64], key[64], csr[64], cacrt[64], cakey[64], subj[64], ext[64];
	FILE *f;

	snprintf(crt, sizeof(crt), "%s.crt", name);
	snprintf(key, sizeof(key), "%s.key", name);
	snprintf(csr, sizeof(csr), "%s.csr", name);
	snprintf(cacrt, sizeof(cacrt), "%s.crt", ca);
	snprintf(cakey, sizeof(cakey), "%s.key", ca);
	snprintf(subj, sizeof(subj), "/CN=%s", cn);
	snprintf(ext, sizeof(ext), "%s.ext", name);
	f = fopen(ext, "w");
	if (!f)
		return -1;
	fprintf(f, "subjectAltName=%s\nbasicConstraints=CA:FALSE\n", san);
	fclose(f);
	if (RUN("openssl", "req", "-config", "cfg", "-new", "-newkey", "ec:p256.pem", "-nodes",
		"-keyout", key, "-out", csr, "-subj", subj))
		return -1;
	if (strchr(days, ':'))
		return sign_dated(csr, crt, cacrt, cakey, san, days);
	return RUN("openssl", "x509", "-req", "-in", csr, "-CA", cacrt, "-CAkey", cakey,
		   "-days", (char *)days, "-out", crt, "-extfile", ext);
}

/* openssl s_server -WWW (serving DIR) with NAME.crt on a free port. */
static pid_t start_server(const char *name, int *port)
{
	char crt[64], key[64], acc[32];
	pid_t pid;

	snprintf(crt, sizeof(crt), "%s.crt", name);
	snprintf(key, sizeof(key), "%s.key", name);
	*port = fix_free_port();
	snprintf(acc, sizeof(acc), "127.0.0.1:%d", *port);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(path_of("log"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("openssl", "openssl", "s_server", "-accept", acc, "-cert", crt, "-key", key,
		       "-WWW", "-quiet", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void fx_cleanup(void)
{
	for (int i = 0; i < SRV_N; i++)
		fix_stop(fx.pid[i]);
	if (fx.dir[0]) {
		char dir[sizeof(fx.dir)];

		memcpy(dir, fx.dir, sizeof(dir));
		fx.dir[0] = '\0';	/* log nothing into what is being removed */
		RUN("rm", "-rf", dir);
	}
}

static bool fx_make(void)
{
	static const char *const srv[SRV_N] = { "good", "lh", "expired", "other", "old" };
	FILE *f;

	if (RUN("openssl", "version"))
		return false;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/dory-tls-XXXXXX");
	if (!mkdtemp(fx.dir) || chdir(fx.dir) < 0)
		return false;
	atexit(fx_cleanup);
	f = fopen("cfg", "w");
	if (!f)
		return false;
	fputs("[req]\ndistinguished_name=dn\n[dn]\n", f);
	fclose(f);
	f = fopen("index.txt", "w");
	if (!f)
		return false;
	fputs("hello tls\n", f);
	fclose(f);
	if (RUN("openssl", "ecparam", "-name", "prime256v1", "-out", "p256.pem") ||
	    make_ca("ca", "ec:p256.pem") || make_ca("ca2", "rsa:2048") ||
	    make_cert("good", "ca", "dory test server", "IP:127.0.0.1,DNS:localhost", "30") ||
	    make_cert("lh", "ca", "localhost", "DNS:localhost", "30") ||
	    make_cert("expired", "ca", "127.0.0.1", "IP:127.0.0.1", "-1") ||
	    make_cert("other", "ca2", "127.0.0.1", "IP:127.0.0.1", "30") ||
	    make_cert("old", "ca", "127.0.0.1", "IP:127.0.0.1", "20200101000000Z:20200102000000Z"))
		return false;
	f = fopen("junk.pem", "w");
	if (!f)
		return false;
	fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", f);
	fclose(f);
	for (int i = 0; i < SRV_N; i++)
		fx.pid[i] = start_server(srv[i], &fx.port[i]);
	for (int i = 0; i < SRV_N; i++)
		if (!fix_wait_port(fx.port[i]))
			return false;
	return true;
}

/* The certificates and servers, made once for all tests. */
static bool fx_ready(void)
{
	char cwd[256];

	if (!fx.tried) {
		fx.tried = true;
		if (!getcwd(cwd, sizeof(cwd)))
			return false;
		fx.ok = fx_make();
		if (chdir(cwd) < 0)
			fx.ok = false;
	}
	return fx.ok;
}

/* tls_open to server i as host, trusting bundle; NULL with the error. */
static struct tls *open_to(int i, const char *host, const char *bundle, const char *certs_dir,
			   int *fd)
{
	struct tls_conf cf = { .ca_bundle = bundle, .certs_dir = certs_dir, .timeout_ms = 5000 };
	struct tls *t;

	*fd = fix_connect(fx.port[i]);
	if (*fd < 0)
		return NULL;
	t = tls_open(*fd, host, fx.port[i], &cf);
	if (!t) {
		close(*fd);
		*fd = -1;
	}
	return t;
}

#define FX_SKIP()                                                                      \
	do {                                                                           \
		SKIP_IF(!TLS_BUILT, "CONFIG_CORE_TLS is off");                         \
		SKIP_IF(!fx_ready(), "openssl is missing or failed (see /tmp/dory-tls-*/log)"); \
	} while (0)

TEST(tls_handshake_and_get)
{
	struct tls *t;
	char buf[512];
	size_t len = 0;
	ssize_t n;
	int fd;

	FX_SKIP();
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca.crt"), "/nonexistent", &fd);
	CHECK(t != NULL);
	if (!t) {
		printf("# %s\n", err_str());
		return;
	}
	CHECK_EQ_INT(tls_write(t, "GET /index.txt HTTP/1.0\r\n\r\n", 27), 0);
	while ((n = tls_read(t, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	CHECK_EQ_INT(n, 0);	/* close_notify */
	CHECK(!strncmp(buf, "HTTP/1.0 200", 12));
	CHECK(strstr(buf, "\r\n\r\nhello tls\n") != NULL);
	tls_close(t);
	close(fd);
	tls_close(NULL);
}

TEST(tls_name_check_for_dns_names)
{
	struct tls *t;
	int fd;

	FX_SKIP();
	t = open_to(SRV_LOCALHOST, "localhost", path_of("ca.crt"), NULL, &fd);
	CHECK(t != NULL);
	tls_close(t);
	close(fd);
	t = open_to(SRV_GOOD, "registry.example", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK_EQ_STR(err_str(), "certificate of registry.example does not match the name "
				"(it is for 127.0.0.1, localhost)");
	CHECK_EQ_INT(err_errno(), EKEYREJECTED);
}

TEST(tls_ip_literal_needs_an_ip_san)
{
	struct tls *t;
	int fd;

	FX_SKIP();
	/* "localhost" in the certificate is not 127.0.0.1 */
	t = open_to(SRV_LOCALHOST, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK_EQ_STR(err_str(), "certificate of 127.0.0.1 does not match the name "
				"(it is for localhost)");
	t = open_to(SRV_GOOD, "127.0.0.2", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "certificate of 127.0.0.2 does not match the name") != NULL);
	t = open_to(SRV_GOOD, "::1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "certificate of ::1 does not match the name") != NULL);
}

TEST(tls_unknown_ca_says_where_to_put_it)
{
	struct tls *t;
	char want[256];
	int fd;

	FX_SKIP();
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca2.crt"), "/etc/dory/certs.d", &fd);
	CHECK(t == NULL);
	snprintf(want, sizeof(want), "certificate of 127.0.0.1 is not signed by a known CA "
		 "(put its CA in /etc/dory/certs.d/127.0.0.1:%d/ca.crt)", fx.port[SRV_GOOD]);
	CHECK_EQ_STR(err_str(), want);
}

TEST(tls_system_bundle_loads)
{
	struct tls *t;
	int fd;

	FX_SKIP();
	SKIP_IF(access("/etc/ssl/certs/ca-certificates.crt", R_OK) &&
		access("/etc/pki/tls/certs/ca-bundle.crt", R_OK) && access("/etc/ssl/cert.pem", R_OK),
		"no system CA bundle");
	t = open_to(SRV_GOOD, "127.0.0.1", NULL, "/nonexistent", &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "is not signed by a known CA") != NULL);
	t = open_to(SRV_GOOD, "127.0.0.1", NULL, "/nonexistent", &fd);	/* cached */
	CHECK(strstr(err_str(), "is not signed by a known CA") != NULL);
}

TEST(tls_certs_d_per_host_ca)
{
	char d[128], p[192];
	struct tls *t;
	int fd;
	FILE *f;

	FX_SKIP();
	snprintf(d, sizeof(d), "%s/certs.d/127.0.0.1:%d", fx.dir, fx.port[SRV_OTHER_CA]);
	CHECK_EQ_INT(RUN("mkdir", "-p", d), 0);
	snprintf(p, sizeof(p), "%s/ca.crt", d);
	CHECK_EQ_INT(RUN("cp", path_of("ca2.crt"), p), 0);
	/* The bundle knows only the first CA; certs.d adds the second. */
	t = open_to(SRV_OTHER_CA, "127.0.0.1", path_of("ca.crt"), path_of("certs.d"), &fd);
	CHECK(t != NULL);
	tls_close(t);
	close(fd);
	t = open_to(SRV_OTHER_CA, "127.0.0.1", path_of("ca.crt"), path_of("nothing"), &fd);
	CHECK(t == NULL);
	/* HOST without the port works too. */
	snprintf(d, sizeof(d), "%s/certs2/127.0.0.1", fx.dir);
	CHECK_EQ_INT(RUN("mkdir", "-p", d), 0);
	snprintf(p, sizeof(p), "%s/ca.crt", d);
	CHECK_EQ_INT(RUN("cp", path_of("ca2.crt"), p), 0);
	t = open_to(SRV_OTHER_CA, "127.0.0.1", path_of("ca.crt"), path_of("certs2"), &fd);
	CHECK(t != NULL);
	tls_close(t);
	close(fd);
	/* A broken one is an error, not silently ignored. */
	f = fopen(p, "w");
	if (f) {
		fputs("not a certificate\n", f);
		fclose(f);
	}
	t = open_to(SRV_OTHER_CA, "127.0.0.1", path_of("ca.crt"), path_of("certs2"), &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "/certs2/127.0.0.1/ca.crt: no usable PEM certificate") != NULL);
}

TEST(tls_bad_bundles)
{
	struct tls *t;
	int fd;

	FX_SKIP();
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("missing.pem"), NULL, &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "CA certificates: open ") != NULL);
	CHECK(strstr(err_str(), "missing.pem: No such file or directory") != NULL);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("junk.pem"), NULL, &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "junk.pem: no usable PEM certificate in it") != NULL);
}

/* Comments between certificates (Fedora's bundle) and keys BearSSL cannot
 * use (Ed25519) are skipped; the rest still works. */
TEST(tls_bundle_with_comments_and_odd_keys)
{
	char cmd[512];
	struct tls *t;
	int fd;

	FX_SKIP();
	CHECK_EQ_INT(RUN("openssl", "req", "-config", path_of("cfg"), "-x509", "-newkey",
			 "ed25519", "-nodes", "-keyout", path_of("ed.key"), "-out",
			 path_of("ed.crt"), "-days", "30", "-subj", "/CN=ed",
			 "-addext", "basicConstraints=critical,CA:TRUE"), 0);
	snprintf(cmd, sizeof(cmd), "cd %s && { echo '# Fedora-style comment'; cat ed.crt; "
		 "echo; echo 'Label: \"x\"'; cat ca.crt; } > mixed.pem", fx.dir);
	CHECK_EQ_INT(RUN("sh", "-c", cmd), 0);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("mixed.pem"), NULL, &fd);
	CHECK(t != NULL);
	if (!t)
		printf("# %s\n", err_str());
	tls_close(t);
	if (fd >= 0)
		close(fd);
}

TEST(tls_expired_certificate)
{
	struct tls *t;
	char want[160], d1[16], d2[16];
	time_t now = time(NULL), y = now - 86400;
	int fd;

	FX_SKIP();
	t = open_to(SRV_EXPIRED, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	strftime(d1, sizeof(d1), "%Y-%m-%d", gmtime(&y));
	strftime(d2, sizeof(d2), "%Y-%m-%d", gmtime(&now));
	snprintf(want, sizeof(want), "certificate of 127.0.0.1 expired on %s (the clock says %s)",
		 d1, d2);
	CHECK_EQ_STR(err_str(), want);
	CHECK_EQ_INT(err_errno(), EKEYREJECTED);
}

/* Valid 2020-01-01 to 2020-01-02: expired at any clock, and at the build
 * date when the clock cannot be trusted (DORY_TLS_CLOCK=build). */
TEST(tls_expired_long_ago)
{
	struct tls *t;
	int fd;

	FX_SKIP();
	t = open_to(SRV_OLD, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "certificate of 127.0.0.1 expired on 2020-01-02 (the clock says ")
	      != NULL);
	setenv("DORY_TLS_CLOCK", "build", 1);
	tls_set_now_for_test(86400 * 100);
	t = open_to(SRV_OLD, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	unsetenv("DORY_TLS_CLOCK");
	tls_set_now_for_test(0);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "127.0.0.1 expired on 2020-01-02 (the build date is ") != NULL);
	tls_close(t);
	if (fd >= 0)
		close(fd);
}

TEST(tls_not_yet_valid_and_later_expiry)
{
	long long now = (long long)time(NULL);
	struct tls *t;
	int fd;

	FX_SKIP();
	tls_set_now_for_test(now + 60 * 86400);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "certificate of 127.0.0.1 expired on ") != NULL);
	/* A clock after the build (a build of today's commit is not) and
	 * before the certificate. */
	tls_set_build_for_test(now - 30 * 86400);
	tls_set_now_for_test(now - 2 * 86400);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	tls_set_now_for_test(0);
	tls_set_build_for_test(0);
	CHECK(t == NULL);
	CHECK(strstr(err_str(), "certificate of 127.0.0.1 is not valid before ") != NULL);
}

TEST(tls_clock_before_build)
{
	struct tls *t;
	int fd;

	FX_SKIP();
	tls_set_now_for_test(86400 * 100);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK_EQ_STR(err_str(), "the system clock says 1970-04-11, before this dory was built: "
				"certificates cannot be checked (set the clock, e.g. `date -s` or "
				"`ntpd -q`, or set DORY_TLS_CLOCK=build to check them against the "
				"build date)");
	setenv("DORY_TLS_CLOCK", "build", 1);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t != NULL);
	tls_close(t);
	if (fd >= 0)
		close(fd);
	/* Still checked: the name and the CA. */
	t = open_to(SRV_LOCALHOST, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca2.crt"), NULL, &fd);
	CHECK(t == NULL);
	setenv("DORY_TLS_CLOCK", "later", 1);
	t = open_to(SRV_GOOD, "127.0.0.1", path_of("ca.crt"), NULL, &fd);
	CHECK(t == NULL);
	CHECK_EQ_STR(err_str(), "DORY_TLS_CLOCK=later: unknown value (use build or system)");
	unsetenv("DORY_TLS_CLOCK");
	tls_set_now_for_test(0);
}

/* `dory check`'s clock line: the same decision as the handshake's. */
TEST(tls_check_clock_line)
{
	struct chk_list *l = xzalloc(sizeof(*l));

	SKIP_IF(!TLS_BUILT, "no TLS in this build");
	tls_set_build_for_test(86400 * 50);
	tls_set_now_for_test(86400 * 100);
	tls_check_clock(l);
	CHECK_EQ_INT(l->v[0].state, CHK_OK);
	CHECK_EQ_STR(l->v[0].found, "1970-04-11, after this dory was built (1970-02-20)");
	tls_set_now_for_test(86400 * 10);
	tls_check_clock(l);
	CHECK_EQ_INT(l->v[1].state, CHK_MISSING);
	CHECK(!l->v[1].required);	/* containers run; pulls fail */
	CHECK_EQ_STR(l->v[1].found, "1970-01-11, before this dory (1970-02-20)");
	CHECK(strstr(l->v[1].note, "pull will fail") != NULL);
	setenv("DORY_TLS_CLOCK", "build", 1);
	tls_check_clock(l);
	CHECK_EQ_INT(l->v[2].state, CHK_LIMITED);
	CHECK(strstr(l->v[2].note, "against the build date (1970-02-20)") != NULL);
	unsetenv("DORY_TLS_CLOCK");
	tls_set_now_for_test(0);
	tls_set_build_for_test(0);
	free(l);
}

/* Listeners that accept and never speak (keeping the connection), or
 * speak plain HTTP. */
static void mute_conn(int fd)
{
	(void)fd;
}

static void plain_http_conn(int fd)
{
	char buf[512];

	if (read(fd, buf, sizeof(buf)) > 0)
		fix_write_all(fd, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", 47);
	close(fd);
}

TEST(tls_handshake_timeout_and_plain_http)
{
	struct tls_conf cf = { .ca_bundle = NULL, .timeout_ms = 200 };
	char want[128];
	struct tls *t;
	int port, fd;
	pid_t pid;

	FX_SKIP();
	cf.ca_bundle = path_of("ca.crt");
	pid = fix_server(&port, NULL, mute_conn);
	fd = fix_connect(port);
	t = tls_open(fd, "127.0.0.1", port, &cf);
	CHECK(t == NULL);
	snprintf(want, sizeof(want), "TLS handshake with 127.0.0.1:%d: no answer in 200 ms", port);
	CHECK_EQ_STR(err_str(), want);
	CHECK_EQ_INT(err_errno(), ETIMEDOUT);
	close(fd);
	fix_stop(pid);
	pid = fix_server(&port, NULL, plain_http_conn);
	fd = fix_connect(port);
	t = tls_open(fd, "127.0.0.1", port, &cf);
	CHECK(t == NULL);
	snprintf(want, sizeof(want), "TLS handshake with 127.0.0.1:%d: the answer is not TLS "
		 "(plain HTTP? list it in insecure-registries)", port);
	CHECK_EQ_STR(err_str(), want);
	close(fd);
	fix_stop(pid);
}

/* ---- through http.c ---- */

static int https_get(const char *url, const char *bundle, char **body)
{
	struct http_conf cf = { .ca_bundle = bundle, .certs_dir = "/nonexistent",
				.timeout_ms = 5000, .retries = -1 };
	struct http_client *c = http_client_new(&cf);
	struct http_req rq = { .method = "GET", .url = url, .follow = true };
	struct http_resp *r = NULL;
	int st = -1;

	*body = NULL;
	if (http_do(c, &rq, &r) == 0) {
		st = http_status(r);
		if (http_read_all(r, 4096, body, NULL) < 0)
			st = -err_errno();
	} else {
		st = -err_errno();
	}
	http_resp_free(r);
	http_client_free(c);
	return st;
}

TEST(tls_https_get_through_http)
{
	char url[96], *b = NULL;

	FX_SKIP();
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/index.txt", fx.port[SRV_GOOD]);
	CHECK_EQ_INT(https_get(url, path_of("ca.crt"), &b), 200);
	CHECK_EQ_STR(b, "hello tls\n");
	free(b);
	CHECK_EQ_INT(https_get(url, path_of("ca2.crt"), &b), -EKEYREJECTED);
	CHECK(strstr(err_str(), "is not signed by a known CA") != NULL);
}

/* A CONNECT proxy without authentication, for one tunnel at a time. */
static void tunnel_one(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int up = -1, tp = 0;

	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "CONNECT 127.0.0.1:%d ", &tp) == 1)
			up = fix_connect(tp);
	}
	if (up >= 0 && write(fd, "HTTP/1.1 200 OK\r\n\r\n", 19) == 19)
		fix_relay(fd, up);
	if (up >= 0)
		close(up);
	close(fd);
}

TEST(tls_https_through_connect_proxy)
{
	char url[96], env[64], *b = NULL;
	int pport;
	pid_t pid;

	FX_SKIP();
	pid = fix_server(&pport, NULL, tunnel_one);
	snprintf(env, sizeof(env), "http://127.0.0.1:%d", pport);
	setenv("HTTPS_PROXY", env, 1);
	unsetenv("https_proxy");
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/index.txt", fx.port[SRV_GOOD]);
	CHECK_EQ_INT(https_get(url, path_of("ca.crt"), &b), 200);
	CHECK_EQ_STR(b, "hello tls\n");
	free(b);
	unsetenv("HTTPS_PROXY");
	fix_stop(pid);
}
