// SPDX-License-Identifier: Apache-2.0
/* runtime.h - run one container in the foreground: namespaces, cgroup,
 * rootfs, user, capabilities, then exec; the caller relays signals and the
 * terminal and returns the container's exit status. */
#ifndef DORY_RUNTIME_H
#define DORY_RUNTIME_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/kernel/cgroup.h"
#include "core/util/base.h"

#include "core/util/str.h"

struct seccomp_policy;
struct secpol;
struct caps_sets;
struct userns_map;
struct rt_tune;

enum { RT_ID_LEN = 64 };

/* A file or directory of the host's bound into the container (its
 * /etc/hosts, a volume). The mount point is made in the container's root
 * when missing, resolved as the container sees it (symlinks stay inside). */
struct rt_bind {
	const char *src;	/* on the host */
	const char *dst;	/* in the container, absolute */
	bool ro;
	bool optional;	/* left out when its mount point cannot be made (a read-only root) */
	/* A new file system instead of src (a tmpfs): type, options, and
	 * its MS_* flags (MS_NOSUID | MS_NODEV when 0). */
	const char *fstype, *data;
	unsigned long flags;
	/* MS_PRIVATE, MS_SLAVE or MS_SHARED, with MS_REC (0: rprivate). */
	unsigned long propagation;
	/* Copy what the container's root has at dst into an empty source
	 * first, owners and modes kept (Docker's rule for a new volume). */
	bool copy_up;
};

struct rt_spec {
	char id[RT_ID_LEN + 1];	/* hex; the cgroup is named after it */
	const char *rootfs;	/* directory to pivot into */
	char *const *argv;	/* the command, argv[0] looked up in the env's PATH */
	struct strv env;	/* complete environment; HOME is added if absent */
	const char *hostname;
	const char *cwd;	/* NULL: "/"; created if missing, as Docker does */
	const char *user;	/* "" or NULL: root */
	const struct secpol *policy;	/* capabilities, seccomp, masks, devices */
	bool readonly, tty, interactive;
	/* Without tty: stdout and stderr go to pipes the caller reads (and
	 * stdin is a pipe with interactive, else /dev/null), not the caller's
	 * own stdio. */
	bool pipes;
	struct cg_limits limits;	/* -m, --cpus, --pids-limit...; {0}: none */
	const char *cgroup_parent;	/* NULL: cg_create's default */
	bool *oom_killed;	/* set when the OOM killer struck; may be NULL */
	/* Called in the container's private mount namespace before rootfs
	 * is entered, to mount it (an image's overlay); may be NULL. */
	int (*mount_root)(void *arg);
	void *mount_arg;
	/* A user namespace with this map (NULL: the host's). The root is then
	 * the detached mount attach_fd (made by the caller, e.g. idmapped
	 * layers), attached at the directory attach_at (an O_PATH fd) and
	 * entered through the fd: no path of the host is searched. Kernels
	 * before 5.2 make no detached mounts (open_tree(2)): attach_fd is then
	 * -1 and the container binds attach_src at rootfs itself. */
	const struct userns_map *userns;
	int attach_fd, attach_at;
	const char *attach_src;
	/* Its network namespace: a new one with lo up, unless hostnet (the
	 * caller's: --network host) or netns (that one's path, e.g.
	 * /proc/PID/ns/net: --network container:). In a new one, net_setup
	 * (may be NULL) is called with the container's pid before it runs on,
	 * to give it links and addresses; it fails the start with -errno. */
	bool hostnet;
	const char *netns;
	/* The pid namespace it joins (a path, /proc/PID/ns/pid: --pid
	 * container:); NULL: a new one, unless tune->hostpid. */
	const char *pidns;
	int (*net_setup)(void *arg, pid_t pid);
	void *net_arg;
	const struct rt_bind *binds;	/* made in this order, after /dev */
	size_t nbinds;
	const struct rt_tune *tune;	/* --ulimit, --sysctl, --pid host...; NULL: none */
};

/* Fill id with random hex. */
int rt_new_id(char id[RT_ID_LEN + 1]);
/* Run spec to completion. *status is the exit status dory should return:
 * the container's own, 128+signal, or 125/126/127 when it could not start
 * (with the error recorded). Returns 0 when the container ran. */
int rt_run(const struct rt_spec *spec, int *status);

/* The parts of rt_run, for a supervisor that waits in a loop of its own. */
struct rt_proc {
	pid_t pid;	/* the container's init */
	struct cg cg;
	int master;	/* tty: the pty's master */
	int in, out, err;	/* pipes: stdin's write end, stdout's and stderr's read ends */
};
/* Block the signals rt_run relays (plus SIGCHLD) and return a signalfd
 * that reads them; *old is the mask to restore. */
int rt_signals_block(sigset_t *old);
/* Create the cgroup and start the container: 0 once it has exec'd; else
 * *status is 125/126/127 and nothing is left. Needs rt_signals_block; the
 * caller becomes the subreaper of the container's orphans. */
int rt_start(const struct rt_spec *spec, struct rt_proc *p, int *status);
/* What else the caller's wait loop does while attached (a supervisor's
 * health checks, its attach socket); every member may be NULL. */
enum { RT_HOOK_FDS = 8 };
struct pollfd;
struct rt_hook {
	void *arg;
	int (*wait_ms)(void *arg);	/* milliseconds until tick has work; -1: none */
	void (*tick)(void *arg);	/* after each wake-up while the init runs */
	void (*reaped)(void *arg, pid_t pid, int wstatus);	/* a child other than the init */
	/* More descriptors to poll (RT_HOOK_FDS at most), and what they had. */
	size_t (*fds)(void *arg, struct pollfd *f);
	void (*polled)(void *arg, const struct pollfd *f, size_t n);
	void (*out)(void *arg, const void *buf, size_t n);	/* the pty's output, as relayed */
};
/* The caller's terminal attached to a started container until it exits:
 * stdin and the pty relayed, signals forwarded, hook (NULL: none) served;
 * *status its exit status. */
void rt_attach(const struct rt_spec *spec, struct rt_proc *p, int sfd,
	       const struct rt_hook *hook, int *status);
/* Reap every child that has exited (we are a subreaper); true once pid
 * has, with *status its exit status (128+N for signal N). */
bool rt_reap(pid_t pid, int *status);
/* After the init was reaped: the OOM verdict, reap stragglers, remove
 * the cgroup, close p's descriptors. */
int rt_finish(const struct rt_spec *spec, struct rt_proc *p);

/* ---- shared with rt_exec.c: the process's side up to execve ---- */

/* What the process sends (on a close-on-exec pipe) when it cannot reach
 * execve. */
struct rt_child_err {
	int code;	/* 125, 126 or 127 */
	int errnum;
	char msg[240];
};
/* Send the recorded error with code, and _exit(code). */
NORETURN void rt_child_fail(int errfd, int code);
/* Default dispositions and an empty mask: the caller blocked what it relays. */
void rt_child_signals(void);
/* Become user (resolved in this root's /etc/passwd and /etc/group; "" is
 * root), with the extra groups (--group-add; may be NULL), with the
 * capability sets caps; HOME is added to env if absent.
 * The bounding set is cut first, while CAP_SETPCAP is still held. */
int rt_child_user(const char *user, const struct strv *groups, const struct caps_sets *caps,
		  struct strv *env);
/* no_new_privs, if the policy p says so; else its seccomp filter, which
 * then needs the capabilities rt_child_user drops. Called before it. */
int rt_child_confine(const struct secpol *p);
/* The filter rt_child_execve installs: p's if rt_child_confine left it. */
const struct seccomp_policy *rt_child_late_filter(const struct secpol *p);
/* Look argv[0] up in env's PATH, install the seccomp policy (may be
 * NULL) last, and execve; on failure report 125/126/127 on errfd. */
NORETURN void rt_child_execve(char *const *argv, struct strv *env,
			      const struct seccomp_policy *sc, int errfd);
/* A wait status as dory's exit status: its code, or 128+signal. */
int rt_exit_status(int wstatus);

/* Look cmd up in PATH like Docker (Go's exec.LookPath): the first regular
 * file with an execute bit. Allocated; NULL when not found. */
char *rt_lookpath(const char *cmd, const char *path);
/* The exit code for an execve error: 127 not found, 126 not runnable. */
int rt_exec_code(int e);

#endif
