// SPDX-License-Identifier: Apache-2.0
/* info.c - `dory info`: this engine and this host in Docker's words and
 * layout (storage driver, cgroups, kernel, OS, counts, security options,
 * warnings), and over Docker's field names with --format. Each fact comes
 * from the room that owns it: cgroups from the runtime's probe, the driver
 * from ctrfs. */
//@applet info  APPLET_INFO  info_main  NEEDROOT
//@config APPLET_INFO
//@	bool "info (~4 KB)"
//@	default y
//@	select CORE_RUNTIME
//@	select CORE_IMAGE
//@	help
//@	  Usage: dory info [-f FORMAT]
//@
//@	  Show the storage driver, cgroup version and driver, kernel, OS,
//@	  architecture, CPUs, memory, the --root and --state directories,
//@	  how many containers (running, paused, stopped) and images there
//@	  are, the security options in force, and warnings (a limit that
//@	  cannot be applied on this kernel).
//@
//@	    -f, --format T  a Go template over Docker's fields: {{.Driver}},
//@	                    {{.CgroupVersion}}, {{.NCPU}}, {{.MemTotal}},
//@	                    {{.Containers}}, {{.Images}}, {{json .}}...
#include <stddef.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/ctr/ctr.h"
#include "core/fs/ctrfs.h"
#include "core/runtime/rt_check.h"
#include "core/store/store.h"
#include "core/util/conf.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/opt.h"
#include "core/util/tpl.h"
#include "core/util/xalloc.h"
#include "version.h"

struct info_opts {
	const char *format;
};

/* PRETTY_NAME of os-release(5), unquoted; "Linux" without one. Allocated. */
static char *info_os(void)
{
	autofree char *text = NULL;
	const char *p;
	size_t n;

	if (fsutil_read_file("/etc/os-release", &text) < 0 &&
	    fsutil_read_file("/usr/lib/os-release", &text) < 0) {
		err_clear();
		return xstrdup("Linux");
	}
	err_clear();
	p = strstr(text, "PRETTY_NAME=");
	if (!p || (p != text && p[-1] != '\n'))
		return xstrdup("Linux");
	p += 12;
	n = strcspn(p, "\n");
	if (n >= 2 && (*p == '"' || *p == '\'') && p[n - 1] == *p) {
		p++;
		n -= 2;
	}
	return xstrndup(p, n);
}

/* Containers by state, as Docker counts them (restarting is running). */
static void info_containers(struct json *o)
{
	struct strv ids = { 0 };
	long long run = 0, paused = 0, stopped = 0;

	if (ctr_list(&ids) < 0)
		die_err();
	for (size_t i = 0; i < ids.n; i++) {
		struct ctr_state s = { 0 };

		if (ctr_state_load(ids.v[i], false, &s) < 0) {
			err_clear();	/* removed meanwhile */
			continue;
		}
		if (s.status == CTR_PAUSED)
			paused++;
		else if (ctr_active(&s))
			run++;
		else
			stopped++;
		ctr_state_clear(&s);
	}
	json_add_i64(o, "Containers", run + paused + stopped);
	json_add_i64(o, "ContainersRunning", run);
	json_add_i64(o, "ContainersPaused", paused);
	json_add_i64(o, "ContainersStopped", stopped);
	strv_free(&ids);
}

static void info_store(const struct dory_conf *conf, struct json *o)
{
	struct strv ids = { 0 };
	enum ctrfs_driver d;
	struct store *st;

	if (store_open(dory.root, &st) < 0 || store_images_list(st, &ids) < 0)
		die_err();
	json_add_i64(o, "Images", (long long)ids.n);
	strv_free(&ids);
	store_close(st);
	if (ctrfs_pick(dory.root, NULL, conf, &d) < 0)
		die_err();
	json_add_str(o, "Driver", d == CTRFS_OVERLAY ? "overlay2" : ctr_driver_name(d));
}

/* Cgroups as the runtime finds them below the parent containers get, with
 * Docker's warnings for what a run flag cannot do here. */
static void info_cgroups(const struct dory_conf *conf, struct json *o, struct json *warn)
{
	struct rt_cg_info c;

	rt_cg_info(conf->cgroup_parent, &c);
	json_add_str(o, "CgroupDriver", c.none ? "none" : "cgroupfs");
	json_add_str(o, "CgroupVersion", c.version);
	if (c.no_memory)
		json_add_str(warn, NULL, "WARNING: No memory limit support");
	if (c.no_swap)
		json_add_str(warn, NULL, "WARNING: No swap limit support");
	if (c.no_cpu)
		json_add_str(warn, NULL, "WARNING: No cpu shares support");
	if (c.no_cfs)
		json_add_str(warn, NULL, "WARNING: No cpu cfs quota support");
	if (c.no_pids)
		json_add_str(warn, NULL, "WARNING: No pids limit support");
}

static void info_security(const struct dory_conf *conf, struct json *o)
{
	struct json *a = json_add_arr(o, "SecurityOptions");

	if (CFG_CORE_SECCOMP)
		json_add_str(a, NULL, "name=seccomp,profile=builtin");
	json_add_str(a, NULL, "name=cgroupns");
	if (conf->userns_remap)
		json_add_str(a, NULL, "name=userns");
	if (conf->no_new_privs)
		json_add_str(a, NULL, "name=no-new-privileges");
}

/* Every fact, under Docker's names (plus StateDir, dory's own). */
static struct json *info_json(void)
{
	struct json *o = json_new_obj(), *warn;
	struct dory_conf conf = { 0 };
	autofree char *os = info_os();
	struct utsname u;
	struct sysinfo si;
	char host[256] = "";

	if (conf_load(&conf) < 0)
		die_err();
	if (uname(&u) < 0 || sysinfo(&si) < 0)
		die_errno("uname");
	gethostname(host, sizeof(host) - 1);
	info_containers(o);
	info_store(&conf, o);
	json_add_str(o, "ServerVersion", DORY_VERSION);
	json_add_str(o, "LoggingDriver", "dory");
	warn = json_new_arr();
	info_cgroups(&conf, o, warn);
	info_security(&conf, o);
	json_add_str(o, "KernelVersion", u.release);
	json_add_str(o, "OperatingSystem", os);
	json_add_str(o, "OSType", "linux");
	json_add_str(o, "Architecture", u.machine);
	json_add_i64(o, "NCPU", sysconf(_SC_NPROCESSORS_ONLN));
	json_add_i64(o, "MemTotal", (long long)si.totalram * si.mem_unit);
	json_add_str(o, "Name", host);
	json_add_str(o, "DockerRootDir", dory.root);
	json_add_str(o, "StateDir", dory.state);
	json_add_bool(o, "Debug", dory.debug);
	json_add_copy(o, "Warnings", warn);
	json_free(warn);
	conf_clear(&conf);
	return o;
}

/* Bytes in binary units with 4 significant digits, as Docker's
 * units.BytesSize ("7.764GiB"). */
static void info_bytes(long long n, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.4g%s", v, unit[u]);
}

static const char *info_s(const struct json *o, const char *k)
{
	const char *v = json_get_str(o, k);

	return v ? v : "";
}

static long long info_n(const struct json *o, const char *k)
{
	long long v = 0;

	json_get_i64(o, k, &v);
	return v;
}

/* Docker's plain layout: the server's lines, then the warnings on stderr. */
static void info_print(const struct json *o)
{
	const struct json *sec = json_get(o, "SecurityOptions"), *w = json_get(o, "Warnings");
	char mem[24];

	printf("Client:\n Version:    %s\n Debug Mode: %s\n\nServer:\n", DORY_VERSION,
	       dory.debug ? "true" : "false");
	printf(" Containers: %lld\n  Running: %lld\n  Paused: %lld\n  Stopped: %lld\n",
	       info_n(o, "Containers"), info_n(o, "ContainersRunning"),
	       info_n(o, "ContainersPaused"), info_n(o, "ContainersStopped"));
	printf(" Images: %lld\n Server Version: %s\n Storage Driver: %s\n Logging Driver: %s\n"
	       " Cgroup Driver: %s\n Cgroup Version: %s\n Security Options:\n",
	       info_n(o, "Images"), info_s(o, "ServerVersion"), info_s(o, "Driver"),
	       info_s(o, "LoggingDriver"), info_s(o, "CgroupDriver"), info_s(o, "CgroupVersion"));
	for (int i = 0; i < json_arr_len(sec); i++) {
		const char *s = json_str(json_arr_at(sec, i));
		const char *comma = strchr(s, ',');

		printf("  %.*s\n", (int)(comma ? comma - s - 5 : (long)strlen(s) - 5), s + 5);
		if (comma && !strncmp(comma, ",profile=", 9))
			printf("   Profile: %s\n", comma + 9);
	}
	info_bytes(info_n(o, "MemTotal"), mem, sizeof(mem));
	printf(" Kernel Version: %s\n Operating System: %s\n OSType: %s\n Architecture: %s\n"
	       " CPUs: %lld\n Total Memory: %s\n Name: %s\n Docker Root Dir: %s\n"
	       " State Dir: %s\n Debug Mode: %s\n", info_s(o, "KernelVersion"),
	       info_s(o, "OperatingSystem"), info_s(o, "OSType"), info_s(o, "Architecture"),
	       info_n(o, "NCPU"), mem, info_s(o, "Name"), info_s(o, "DockerRootDir"),
	       info_s(o, "StateDir"), dory.debug ? "true" : "false");
	if (json_arr_len(w) > 0)
		fflush(stdout);
	for (int i = 0; i < json_arr_len(w); i++)
		fprintf(stderr, "%s\n", json_str(json_arr_at(w, i)));
}

int info_main(int argc, char **argv)
{
	static const struct opt optv[] = {
		OPT_STR('f', "format", offsetof(struct info_opts, format)),
		OPT_END
	};
	struct info_opts o = { 0 };
	struct json *j;
	struct tpl f = { 0 };
	int r = 0;

	(void)argc;
	argv = opt_parse(optv, &o, argv);
	if (*argv)
		die("takes no arguments (see 'dory info --help')");
	if (o.format && tpl_parse(o.format, NULL, &f) < 0)
		die_err();
	j = info_json();
	if (o.format) {
		r = tpl_run(f.text, j, stdout);
		fputc('\n', stdout);
	} else {
		info_print(j);
	}
	json_free(j);
	tpl_free(&f);
	if (r < 0)
		die_err();
	return fflush(stdout) ? 125 : 0;
}
