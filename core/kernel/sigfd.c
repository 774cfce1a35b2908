// SPDX-License-Identifier: Apache-2.0
/* sigfd.c - block signals and read them from a signalfd: the supervisor,
 * an attached run and attach all wait on one poll. */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>

#include "core/kernel/sigfd.h"
#include "core/util/err.h"

int sigfd_block(const sigset_t *set, sigset_t *old)
{
	int sfd;

	if (sigprocmask(SIG_BLOCK, set, old) < 0)
		return err_set(errno, "block signals");
	sfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		sigprocmask(SIG_SETMASK, old, NULL);
		return err_set(errno, "signalfd");
	}
	return sfd;
}
