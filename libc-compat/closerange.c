// SPDX-License-Identifier: Apache-2.0
/* closerange.c - mark every descriptor from low up close-on-exec:
 * close_range(2) with CLOSE_RANGE_CLOEXEC (5.11), else /proc/self/fd, else
 * each number up to the soft limit. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libc-compat/compat.h"

#define COMPAT_CLOSE_RANGE_CLOEXEC (1U << 2)	/* linux/close_range.h */

void compat_cloexec_from(int low)
{
	struct rlimit rl = { 0 };
	struct dirent *e;
	DIR *d;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)low, ~0U, COMPAT_CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd >= low && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (d) {
		closedir(d);
		return;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	for (rlim_t fd = (rlim_t)low; fd < rl.rlim_cur && fd < 65536; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}
