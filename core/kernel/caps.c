// SPDX-License-Identifier: Apache-2.0
/* caps.c - capabilities via capset(2) and prctl(2) directly; no libcap.
 * Names follow capabilities(7); the table index is the capability number. */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "core/kernel/caps.h"
#include "core/util/err.h"
#include "core/util/fsutil.h"
#include "core/util/str.h"
#include "libc-compat/compat.h"

static const char caps_names[][20] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

uint64_t caps_docker_default(void)
{
	return CAPS_BIT(CAP_CHOWN) | CAPS_BIT(CAP_DAC_OVERRIDE) | CAPS_BIT(CAP_FSETID) |
	       CAPS_BIT(CAP_FOWNER) | CAPS_BIT(CAP_MKNOD) | CAPS_BIT(CAP_NET_RAW) |
	       CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETFCAP) |
	       CAPS_BIT(CAP_SETPCAP) | CAPS_BIT(CAP_NET_BIND_SERVICE) |
	       CAPS_BIT(CAP_SYS_CHROOT) | CAPS_BIT(CAP_KILL) | CAPS_BIT(CAP_AUDIT_WRITE);
}

int caps_last_cap(void)
{
	autofree char *s = NULL;
	unsigned long long v;

	if (fsutil_read_file("/proc/sys/kernel/cap_last_cap", &s) < 0) {
		err_clear();
		return CAP_LAST_CAP;
	}
	s[strcspn(s, "\n")] = '\0';
	if (str_to_u64(s, 63, &v) < 0)
		return CAP_LAST_CAP;
	return (int)v;
}

int caps_from_name(const char *name)
{
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	for (size_t i = 0; i < ARRAY_SIZE(caps_names); i++)
		if (!strcasecmp(name, caps_names[i]))
			return (int)i;
	return -1;
}

const char *caps_name(int cap)
{
	static char buf[24];

	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(caps_names))
		return NULL;
	snprintf(buf, sizeof(buf), "CAP_%s", caps_names[cap]);
	return buf;
}

int caps_drop_bounding(uint64_t keep)
{
	int last = caps_last_cap();

	for (int c = 0; c <= last; c++) {
		if (keep & CAPS_BIT(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_set(errno, "drop capability %d from the bounding set", c);
	}
	return 0;
}

int caps_apply(const struct caps_sets *s)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(s->eff >> (32 * i));
		data[i].permitted = (uint32_t)(s->prm >> (32 * i));
		data[i].inheritable = (uint32_t)(s->inh >> (32 * i));
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_set(errno, "clear ambient capabilities");
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_set(errno, "set capabilities");
	/* An ambient capability must be permitted and inheritable already. */
	for (int c = 0; c < 64; c++)
		if ((s->amb & CAPS_BIT(c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return err_set(errno, "raise ambient capability %d", c);
	return 0;
}

int caps_parse_name(const char *name, int *cap)
{
	int c = caps_from_name(name);

	if (c < 0)
		return err_setx(EINVAL, "unknown capability \"%s\" (use a name from "
				"capabilities(7) such as NET_ADMIN, or ALL)", name);
	*cap = c;
	return 0;
}

uint64_t caps_all(void)
{
	int last = caps_last_cap();

	return last >= 63 ? ~UINT64_C(0) : CAPS_BIT(last + 1) - 1;
}

int caps_held(uint64_t *out)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return err_set(errno, "read capabilities");
	*out = data[0].permitted | ((uint64_t)data[1].permitted << 32);
	return 0;
}

static bool caps_has_all(const struct strv *names)
{
	for (size_t i = 0; names && i < names->n; i++)
		if (!strcasecmp(names->v[i], "ALL"))
			return true;
	return false;
}

/* The mask of names, "ALL" left out; -EINVAL on an unknown name. */
static int caps_mask(const struct strv *names, const char *what, uint64_t *out)
{
	int c;

	*out = 0;
	for (size_t i = 0; names && i < names->n; i++) {
		if (!strcasecmp(names->v[i], "ALL"))
			continue;
		if (caps_parse_name(names->v[i], &c) < 0)
			return err_ctx("%s", what);
		*out |= CAPS_BIT(c);
	}
	return 0;
}

int caps_adjust(uint64_t base, const struct strv *add, const struct strv *drop,
		uint64_t *out)
{
	uint64_t a, d, all = caps_all();

	if (caps_mask(add, "capabilities to add", &a) < 0 ||
	    caps_mask(drop, "capabilities to drop", &d) < 0)
		return -err_errno();
	if (caps_has_all(add))
		*out = all & ~d;
	else if (caps_has_all(drop))
		*out = a & all;
	else
		*out = ((base & ~d) | a) & all;
	return 0;
}
