// SPDX-License-Identifier: Apache-2.0
/* version.c - `dory version`: what this binary is and what it was built
 * with, for bug reports from the field. */
//@applet version  APPLET_VERSION  version_main
//@config APPLET_VERSION
//@	bool "version (~1 KB)"
//@	default y
//@	help
//@	  Usage: dory version
//@
//@	  Print the version of dory, the build's architecture and the
//@	  commands built in.
#include <sys/utsname.h>

#include "core/log.h"

#ifndef DORY_VERSION
#define DORY_VERSION "unknown"
#endif
#ifndef DORY_ARCH
#define DORY_ARCH "unknown"
#endif

int version_main(int argc, char **argv)
{
	struct utsname u;

	(void)argv;
	if (argc > 1)
		die("takes no arguments (see 'dory version --help')");
	if (uname(&u) < 0)
		die_errno("uname");
	printf("dory version %s\n Arch:    %s\n Kernel:  %s %s %s\n", DORY_VERSION, DORY_ARCH,
	       u.sysname, u.release, u.machine);
	return fflush(stdout) ? 125 : 0;
}
