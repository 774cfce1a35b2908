// SPDX-License-Identifier: Apache-2.0
/* proc.h - what /proc tells of a process, for `top`: ids, times, terminal
 * and command line. */
#ifndef DORY_PROC_H
#define DORY_PROC_H

#include <sys/types.h>

#include "core/util/base.h"

struct proc_info {
	pid_t pid, ppid;
	uid_t uid;			/* real */
	unsigned long long utime, stime;	/* clock ticks */
	unsigned long long start;	/* ticks after boot */
	int tty_nr;			/* 0: none */
	char state;			/* 'R', 'S'... 'Z' a zombie */
	char comm[32];
	char *cmdline;			/* argv joined by spaces; "" for threads of the kernel */
};

/* Read /proc/PID/stat only (cmdline stays NULL); -ENOENT once it has gone. */
int proc_stat(pid_t pid, struct proc_info *out);
/* Read /proc/PID/{stat,status,cmdline}; -ENOENT once it has gone. */
int proc_read(pid_t pid, struct proc_info *out);
void proc_info_clear(struct proc_info *p);
/* Is pid running (not a zombie) and the process that started at start
 * (a recycled pid is not)? What a record of a process is checked with. */
bool proc_alive(pid_t pid, unsigned long long start);
/* This process's start time, as proc_stat gives it (0 if unreadable);
 * read once per process. */
unsigned long long proc_self_start(void);
/* The pids listed in a cgroup directory's cgroup.procs, sorted. */
int proc_cgroup_pids(const char *dir, pid_t **pids, size_t *n);

#endif
