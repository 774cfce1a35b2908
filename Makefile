# SPDX-License-Identifier: Apache-2.0
# dory's build: dependencies into a per-architecture sysroot, Kconfig, the
# applet table, the static binary, tests, install and size reports.
#
#   make [ARCH=x86_64|aarch64|armv7|mipsel|riscv64]   build (build/dory or build/ARCH/dory)
#   make defconfig | NAME_defconfig | menuconfig | oldconfig
#   make check | demo | install DESTDIR= PREFIX= | size | clean | distclean

.DEFAULT_GOAL := all
SHELL := /bin/bash
HOST_ARCH := $(shell uname -m | sed -e 's/^arm64$$/aarch64/' -e 's/^armv7l$$/armv7/')
ARCH ?= $(HOST_ARCH)
ARCHS := x86_64 aarch64 armv7 mipsel riscv64
ifeq ($(filter $(ARCH),$(ARCHS)),)
$(error ARCH=$(ARCH) is not one of: $(ARCHS))
endif

# --- deps begin ---
# Dependencies: Debian's own sources of musl, zlib, cJSON, BearSSL and
# libseccomp at the versions configs/deps.lock names (each checked against
# the sha256 of its .dsc), kept in a download directory, and built once per
# ARCH into build/ARCH/sysroot with stamps named after the locked versions.
#   make fetch           fill the download directory DORY_DL_DIR (build/dl):
#                        with it filled, no package archive is needed
#   make deps            the sysroot for ARCH is complete ($(SYSROOT)/.deps-ok)
#   make deps-update     lock the newest versions that download and build
#   make host-packages   install missing build and test tools with apt-get
#   make deb-src         add deb-src entries derived from the apt sources
# CC_MUSL is a gcc wrapper (musl's specs): `$(CC_MUSL) -static x.c` gives a
# static musl binary for ARCH.  Headers land in $(SYSROOT)/include (cJSON as
# <cjson/cJSON.h>), libraries in $(SYSROOT)/lib.

ifeq ($(ARCH),x86_64)
TRIPLE := x86_64-linux-gnu
MUSL_ARCH := x86_64
QEMU_ARCH := x86_64
DEB_ARCH := amd64
else ifeq ($(ARCH),aarch64)
TRIPLE := aarch64-linux-gnu
MUSL_ARCH := aarch64
QEMU_ARCH := aarch64
DEB_ARCH := arm64
else ifeq ($(ARCH),armv7)
TRIPLE := arm-linux-gnueabihf
MUSL_ARCH := arm
QEMU_ARCH := arm
DEB_ARCH := armhf
else ifeq ($(ARCH),mipsel)
TRIPLE := mipsel-linux-gnu
MUSL_ARCH := mips
QEMU_ARCH := mipsel
DEB_ARCH := mipsel
else ifeq ($(ARCH),riscv64)
TRIPLE := riscv64-linux-gnu
MUSL_ARCH := riscv64
QEMU_ARCH := riscv64
DEB_ARCH := riscv64
endif

NATIVE := $(if $(filter $(ARCH),$(HOST_ARCH)),y)
QEMU := $(if $(NATIVE),,qemu-$(QEMU_ARCH)-static)
CROSS_PKG := $(if $(NATIVE),gcc,gcc-$(TRIPLE))
UAPI_PKG := $(if $(NATIVE),linux-libc-dev,linux-libc-dev-$(DEB_ARCH)-cross)
UAPI_DIR := $(if $(NATIVE),/usr/include,/usr/$(TRIPLE)/include)
UAPI_ASM := $(if $(NATIVE),/usr/include/$(TRIPLE)/asm,/usr/$(TRIPLE)/include/asm)
GCC_T := $(TRIPLE)-gcc
AR_T := $(if $(NATIVE),ar,$(TRIPLE)-ar)
STRIP_T := $(if $(NATIVE),strip,$(TRIPLE)-strip)
SYSROOT := $(CURDIR)/build/$(ARCH)/sysroot
CC_MUSL := $(SYSROOT)/bin/dory-cc
DEPS_SRC := $(CURDIR)/build/src
DEPS_WORK := $(CURDIR)/build/$(ARCH)/work
DEPS_CFLAGS := -Os -ffunction-sections -fdata-sections -ffile-prefix-map=$(CURDIR)/=
DEPS_JOBS := $(shell nproc 2>/dev/null || echo 2)
DEPS_LOCK ?= configs/deps.lock
DORY_DL_DIR ?= $(CURDIR)/build/dl
DL := $(abspath $(DORY_DL_DIR))
DEPS := musl zlib cjson bearssl libseccomp
# From the lock: V_name (version), VS_name (without its epoch: file and stamp
# names), SHA_name; SRC_name is where its source is unpacked, ST_name its
# stamp in the sysroot. A new locked version is a new stamp, so it rebuilds.
$(foreach d,$(DEPS),$(eval V_$(d) := $(shell awk '$$1 == "$(d)" { print $$2 }' $(DEPS_LOCK))))
$(foreach d,$(DEPS),$(eval SHA_$(d) := $(shell awk '$$1 == "$(d)" { print $$3 }' $(DEPS_LOCK))))
$(foreach d,$(DEPS),$(if $(V_$(d)),,$(error $(DEPS_LOCK) has no line for $(d))))
$(foreach d,$(DEPS),$(eval VS_$(d) := $(lastword $(subst :, ,$(V_$(d))))))
$(foreach d,$(DEPS),$(eval SRC_$(d) := $(DEPS_SRC)/$(d)-$(VS_$(d))))
$(foreach d,$(DEPS),$(eval ST_$(d) := $(SYSROOT)/.stamp-$(d)-$(VS_$(d))))
DEPS_STAMPS := $(SYSROOT)/.stamp-headers $(foreach d,$(DEPS),$(ST_$(d)))

# Debian packages: DEPS_PKGS are what the sysroot build needs (installed when
# a sysroot stamp is built), BUILD_PKGS what building dory needs, DEMO_PKGS
# what `make demo` needs, TEST_PKGS (further down) what only `make check`
# needs, BENCH_PKGS what bench/*.sh measure with or against; `make
# host-packages` installs them all.
DEPS_PKGS = dpkg-dev gperf make gcc $(CROSS_PKG) $(UAPI_PKG)
BUILD_PKGS = $(DEPS_PKGS) kconfig-frontends $(if $(QEMU),qemu-user-static)
DEMO_PKGS = $(BUILD_PKGS) busybox-static
BENCH_PKGS = iperf3 strace podman netavark
HOST_PKGS = $(DEMO_PKGS) $(TEST_PKGS) $(BENCH_PKGS)

# $(call apt_ensure,PKGS): shell code installing those of PKGS that are missing.
apt_ensure = set -e; mkdir -p build; ( flock 9; pkgs="$(sort $(1))"; \
	have=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $$pkgs 2>/dev/null \
		| awk '$$1 == "ii" { print $$2 }'); missing=; \
	for p in $$pkgs; do grep -qxF "$$p" <<<"$$have" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "  APT$$missing"; sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi ) 9>build/.apt-lock

.PHONY: host-packages deps deb-src fetch deps-update

deps: $(SYSROOT)/.deps-ok

host-packages:
	@$(call apt_ensure,$(HOST_PKGS))

# deb-src entries: one deb822 stanza per enabled Debian "deb" entry of the
# machine's own apt sources, with its URIs/Suites/Components/Signed-By.
DEB_SRC_FILE := /etc/apt/sources.list.d/dory-deb-src.sources
define DEB_SRC_AWK
function isdebian(uris, key) {
	return uris ~ /\/debian(-security|-ports)?\/?([ \t]|$)/ || key ~ /debian-archive-keyring/
}
function flush() {
	if (body != "" && tolower(f["enabled"]) !~ /^[ \t]*no/ && \
	    (" " f["types"] " ") ~ /[ \t]deb[ \t]/ && isdebian(f["uris"], f["signed-by"]))
		printf "Types: deb-src\n%s\n\n", body
	split("", f); body = ""; keep = 0
}
FNR == 1 { flush() }
FILENAME ~ /\.sources$/ {
	if ($0 ~ /^#/) next
	if ($0 ~ /^[ \t]*$/) { flush(); next }
	if ($0 ~ /^[ \t]/) { if (keep) body = body "\n" $0; f[cur] = f[cur] " " $0; next }
	cur = tolower($0); sub(/:.*/, "", cur)
	val = $0; sub(/^[^:]*:[ \t]*/, "", val); f[cur] = val
	keep = (cur == "uris" || cur == "suites" || cur == "components" || cur == "signed-by")
	if (keep) body = body (body == "" ? "" : "\n") $0
	next
}
{
	line = $0; sub(/#.*/, "", line); sub(/[ \t]+$/, "", line)
	if (line !~ /^[ \t]*deb[ \t]/) next
	sub(/^[ \t]*deb[ \t]+/, "", line); key = ""
	if (line ~ /^\[/) {
		opts = line; sub(/\].*/, "", opts); sub(/^[^\]]*\][ \t]*/, "", line)
		if (match(opts, /signed-by=[^ \t\]]+/)) key = substr(opts, RSTART + 10, RLENGTH - 10)
	}
	n = split(line, w, /[ \t]+/)
	if (n < 2 || !isdebian(w[1], key)) next
	comps = ""; for (i = 3; i <= n; i++) comps = comps (i > 3 ? " " : "") w[i]
	printf "Types: deb-src\nURIs: %s\nSuites: %s\n", w[1], w[2]
	if (comps != "") printf "Components: %s\n", comps
	if (key != "") printf "Signed-By: %s\n", key
	printf "\n"
}
END { flush() }
endef

# deps.sh (below) fetches, checks and unpacks the sources; it is written to
# build/ and run from there, with the awk script above beside it.
DEPS_RUN = $(shell mkdir -p $(DEPS_SRC))$(file >$(DEPS_SRC)/deb-src.awk,$(value DEB_SRC_AWK))$(file \
	>$(DEPS_SRC)/deps.sh,$(value DEPS_SH))DL=$(DL) LOGS=$(DEPS_SRC)/log \
	AWK_SRC=$(DEPS_SRC)/deb-src.awk DEPS_LOCK=$(DEPS_LOCK) bash $(DEPS_SRC)/deps.sh

deb-src:
	@$(call apt_ensure,$(DEPS_PKGS))
	@$(DEPS_RUN) archive

fetch:
	@$(call apt_ensure,dpkg-dev)
	@$(foreach d,$(DEPS),echo "  FETCH $(d) $(V_$(d))"; \
	  v=$$($(DEPS_RUN) fetch $(d) '$(V_$(d))' $(SHA_$(d))) || exit 1;)
	@echo "  DL    $(DL): $$(ls $(DL) | grep -c '\.dsc$$') source packages"
	@$(if $(BOARDS),$(MAKE) --no-print-directory fetch-boards)

# Each dependency in turn: the newest version that downloads, kept in the
# lock only if the sysroot for ARCH builds with it.
deps-update:
	@$(call apt_ensure,$(DEPS_PKGS))
	@set -e; for d in $(DEPS); do \
	  nv=$$($(DEPS_RUN) newest $$d); set -- $$nv; \
	  old=$$(awk -v d=$$d '$$1 == d { print $$2 }' $(DEPS_LOCK)); \
	  if [ "$$1" = "$$old" ]; then echo "  LOCK  $$d $$old (newest)"; continue; fi; \
	  awk -v d=$$d -v v="$$1" -v h="$$2" '$$1 == d { printf "%-12s%-21s%s\n", d, v, h; next } { print }' \
	    $(DEPS_LOCK) >$(DEPS_LOCK).try; \
	  if $(MAKE) --no-print-directory DEPS_LOCK=$(DEPS_LOCK).try deps; then \
	    mv -f $(DEPS_LOCK).try $(DEPS_LOCK); echo "  LOCK  $$d $$old -> $$1"; \
	  else rm -f $(DEPS_LOCK).try; echo "dory: $$d $$1 does not build for $(ARCH); keeping $$old" >&2; fi; \
	done

# Sources, unpacked once for all arches: build/src/NAME-VERSION (.version:
# the version used, which differs from the lock only after a loud fallback).
$(DEPS_SRC)/%.ok:
	@n=$(firstword $(subst -, ,$*)); echo "  SRC $*"; \
	 $(DEPS_RUN) unpack $$n "$$(awk -v n=$$n '$$1 == n { print $$2 }' $(DEPS_LOCK))" \
	   "$$(awk -v n=$$n '$$1 == n { print $$3 }' $(DEPS_LOCK))" $(DEPS_SRC)/$*
	@touch $@

# $(call dep_begin,NAME) ( commands ) $(call dep_end,NAME): run the subshell
# quietly into build/ARCH/work/NAME.log; on failure show its tail.
dep_begin = @echo "  DEP $(1) ($(ARCH))"; mkdir -p $(DEPS_WORK) $(SYSROOT)/bin $(SYSROOT)/lib $(SYSROOT)/include
# (Not `( ... ) || ...`: that would disable set -e inside the subshell.)
dep_end = >$(DEPS_WORK)/$(1).log 2>&1; [ $$? = 0 ] || { tail -n 25 $(DEPS_WORK)/$(1).log; \
	echo "dory: building $(1) for $(ARCH) failed; full log: $(DEPS_WORK)/$(1).log" >&2; exit 1; }
# Clean environment for the dependencies' own build systems.
dep_env = unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL ARCH ARCHS CC CFLAGS CPPFLAGS LDFLAGS; set -ex

$(SYSROOT)/.stamp-headers:
	@$(call apt_ensure,$(DEPS_PKGS))
	$(call dep_begin,headers)
	@( $(dep_env); rm -rf $(SYSROOT)/include/linux $(SYSROOT)/include/asm $(SYSROOT)/include/asm-generic; \
	   cp -a $(UAPI_DIR)/linux $(UAPI_DIR)/asm-generic $(SYSROOT)/include/; \
	   cp -aL $(UAPI_ASM) $(SYSROOT)/include/asm ) $(call dep_end,headers)
	@touch $@

$(ST_musl): $(SRC_musl).ok $(SYSROOT)/.stamp-headers
	$(call dep_begin,musl)
	@( $(dep_env); rm -rf $(DEPS_WORK)/musl; mkdir -p $(DEPS_WORK)/musl; cd $(DEPS_WORK)/musl; \
	   $(SRC_musl)/configure --target=$(TRIPLE) --prefix=$(SYSROOT) --disable-shared \
	     --enable-wrapper=gcc CC=$(GCC_T) CROSS_COMPILE=$(TRIPLE)- CFLAGS="$(DEPS_CFLAGS)"; \
	   grep -qx 'ARCH = $(MUSL_ARCH)' config.mak; \
	   make -j$(DEPS_JOBS); make install; \
	   printf '#!/bin/sh\n# gcc for static musl binaries ($(ARCH)); made by dory'"'"'s Makefile\nexec %s "$$@" -specs "%s"\n' \
	     '$(GCC_T)' '$(SYSROOT)/lib/musl-gcc.specs' >$(CC_MUSL); chmod 755 $(CC_MUSL); \
	   rm -f $(SYSROOT)/bin/musl-gcc ) $(call dep_end,musl)
	@touch $@

# The libraries are built one after another (order-only chain) so that a
# parallel make never runs two dependency builds at once.
$(ST_zlib): $(SRC_zlib).ok $(ST_musl)
	$(call dep_begin,zlib)
	@( $(dep_env); rm -rf $(DEPS_WORK)/zlib; cp -a $(SRC_zlib)/. $(DEPS_WORK)/zlib; cd $(DEPS_WORK)/zlib; \
	   CC=$(CC_MUSL) CFLAGS="$(DEPS_CFLAGS)" CHOST=$(TRIPLE) AR=$(AR_T) ./configure --static --prefix=$(SYSROOT); \
	   make -j$(DEPS_JOBS) libz.a AR=$(AR_T); \
	   cp libz.a $(SYSROOT)/lib/; cp zlib.h zconf.h $(SYSROOT)/include/ ) $(call dep_end,zlib)
	@touch $@

$(ST_cjson): $(SRC_cjson).ok $(ST_musl) | $(ST_zlib)
	$(call dep_begin,cjson)
	@( $(dep_env); rm -rf $(DEPS_WORK)/cjson; mkdir -p $(DEPS_WORK)/cjson $(SYSROOT)/include/cjson; cd $(DEPS_WORK)/cjson; \
	   $(CC_MUSL) $(DEPS_CFLAGS) -std=c89 -c -o cJSON.o $(SRC_cjson)/cJSON.c; \
	   rm -f libcjson.a; $(AR_T) rcs libcjson.a cJSON.o; \
	   cp libcjson.a $(SYSROOT)/lib/; cp $(SRC_cjson)/cJSON.h $(SYSROOT)/include/cjson/ ) $(call dep_end,cjson)
	@touch $@

$(ST_bearssl): $(SRC_bearssl).ok $(ST_musl) | $(ST_cjson)
	$(call dep_begin,bearssl)
	@( $(dep_env); rm -rf $(DEPS_WORK)/bearssl; mkdir -p $(DEPS_WORK)/bearssl; cd $(SRC_bearssl); \
	   find src -name '*.c' | sort | sed 's/\.c$$//' | xargs -P$(DEPS_JOBS) -I{} sh -c \
	     'mkdir -p "$$(dirname "$(DEPS_WORK)/bearssl/$$1")" && $(CC_MUSL) $(DEPS_CFLAGS) -Isrc -Iinc -c -o "$(DEPS_WORK)/bearssl/$$1.o" "$$1.c"' sh {}; \
	   cd $(DEPS_WORK)/bearssl; rm -f libbearssl.a; find src -name '*.o' | sort | xargs $(AR_T) rcs libbearssl.a; \
	   cp libbearssl.a $(SYSROOT)/lib/; cp $(SRC_bearssl)/inc/*.h $(SYSROOT)/include/ ) $(call dep_end,bearssl)
	@touch $@

$(ST_libseccomp): $(SRC_libseccomp).ok $(ST_musl) | $(ST_bearssl)
	$(call dep_begin,libseccomp)
	@( $(dep_env); rm -rf $(DEPS_WORK)/libseccomp; cp -a $(SRC_libseccomp)/. $(DEPS_WORK)/libseccomp; cd $(DEPS_WORK)/libseccomp; \
	   ./configure --host=$(TRIPLE) --prefix=$(SYSROOT) --disable-shared --enable-static --disable-python \
	     CC=$(CC_MUSL) CFLAGS="$(DEPS_CFLAGS)" LDFLAGS=-static AR=$(AR_T); \
	   make -j$(DEPS_JOBS) -C src libseccomp.la; make -C include; \
	   cp src/.libs/libseccomp.a $(SYSROOT)/lib/; cp include/seccomp.h include/seccomp-syscalls.h $(SYSROOT)/include/ ) $(call dep_end,libseccomp)
	@touch $@

# versions/NAME: the version each library of this sysroot was built from.
$(SYSROOT)/.deps-ok: $(DEPS_STAMPS)
	@mkdir -p $(SYSROOT)/versions
	@$(foreach d,$(DEPS),cp $(SRC_$(d)).version $(SYSROOT)/versions/$(d);)
	@touch $@

define DEPS_SH
# deps.sh - written by dory's Makefile (DEPS_SH): the dependency sources,
# locked, verified and kept in a download directory so that a build can run
# with no package archive.  Environment: DL (the download directory), LOGS,
# AWK_SRC (deb-src.awk).  Commands:
#   fetch NAME VERSION SHA256        NAME's files in $DL, checked; prints the
#                                    version fetched (another one only when
#                                    VERSION cannot be had, said loudly)
#   unpack NAME VERSION SHA256 DIR   fetch, then extract into DIR;
#                                    DIR.version holds the version used
#   newest NAME                      "VERSION SHA256" of the newest version
#                                    of NAME that downloads
#   archive                          deb-src entries and a fresh index
set -euo pipefail
: "${DL:?}" "${LOGS:?}"
mkdir -p "$DL" "$LOGS"
say() { echo "dory: $*" >&2; }

dsc_name() { echo "${1}_${2#*:}.dsc"; }
sha_of() { sha256sum <"$1" | cut -d' ' -f1; }

# dsc_check DSC [SHA256]: 0 when DSC has that hash (if one is given) and every
# file it lists is beside it with its hash; 2 when DSC's own hash differs.
dsc_check()
{
	local dsc=$1 want=${2:-} d h f
	[ -f "$dsc" ] || return 1
	[ -z "$want" ] || [ "$(sha_of "$dsc")" = "$want" ] || return 2
	d=$(dirname "$dsc")
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
	     on && NF == 3 { print $1, $3; n++ } END { exit n == 0 }' "$dsc" >"$LOGS/files.$$" ||
		return 1
	while read -r h f; do
		[ -f "$d/$f" ] && [ "$(sha_of "$d/$f")" = "$h" ] || { rm -f "$LOGS/files.$$"; return 1; }
	done <"$LOGS/files.$$"
	rm -f "$LOGS/files.$$"
}

# WHY: why the archive failed, from a log of apt: "unreachable: ..." when it
# cannot be reached, "gone: ..." when it does not have what was asked.
WHY=
why()
{
	local l
	l=$(grep -Eim1 'could not (connect|resolve)|temporary failure|connection (refused|timed out)|unable to connect|network is unreachable|no route' "$1" |
		sed -E 's/^[[:space:]]+//; s/^(E|W): //') || true
	if [ -n "$l" ]; then WHY="unreachable: $l"; return; fi
	l=$(grep -Eim1 '404|not found|can not find|unable to find|no longer|failed to fetch' "$1" |
		sed -E 's/^[[:space:]]+//; s/^(E|W): //') || true
	WHY="gone: ${l:-see $1}"
}

# The machine's apt source files (apt-config knows where, APT_CONFIG too);
# SRC_OUT: where deb-src entries derived from them go.
apt_sources()
{
	local sl sp f
	eval "$(apt-config shell sl Dir::Etc::sourcelist/f sp Dir::Etc::sourceparts/d)"
	SRC_OUT=${sp}dory-deb-src.sources
	for f in "$sl" "$sp"*.list "$sp"*.sources; do
		[ -f "$f" ] && [ "$f" != "$SRC_OUT" ] && echo "$f"
	done
}

# listed NAME: apt's index has source versions of NAME (no `| grep -q`,
# whose early exit would fail the pipe under pipefail).
listed()
{
	local out
	out=$(apt-cache showsrc --only-source "$1" 2>/dev/null) || return 1
	[[ $out == *$'\nVersion: '* || $out == 'Version: '* ]]
}

# archive_ready NAME: apt can list NAME's source versions; with no deb-src
# entry at all, add ones derived from the machine's Debian entries; the index
# is refreshed once per run (ARCHIVE_FRESH).  Prints why not on failure.
archive_ready()
{
	local srcs sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	if [ -z "${ARCHIVE_FRESH:-}" ] && ! listed "$1"; then
		srcs=$(apt_sources)
		apt_sources >/dev/null
		# shellcheck disable=SC2086
		if ! grep -Eqs '^[[:space:]]*deb-src[[:space:]]' $srcs "$SRC_OUT" &&
		   ! grep -Eiqs '^Types:.*deb-src' $srcs "$SRC_OUT"; then
			# shellcheck disable=SC2086
			awk -f "$AWK_SRC" $srcs >"$LOGS/deb-src.sources"
			[ -s "$LOGS/deb-src.sources" ] || {
				WHY="unreachable: no enabled Debian apt source to derive deb-src entries from (add deb-src lines to /etc/apt/sources.list)"; return 1; }
			echo "  APT deb-src -> $SRC_OUT" >&2
			$sudo install -m 644 "$LOGS/deb-src.sources" "$SRC_OUT"
		fi
		archive_update || return 1
	fi
	listed "$1" || {
		WHY="unreachable: apt lists no source package $1 (see $LOGS/apt-update.log)"; return 1; }
}

archive_update()
{
	local sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "  APT update" >&2
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$LOGS/apt-update.log" 2>&1 || true
	ARCHIVE_FRESH=1
	if grep -Eq '^(E|W): (Failed to fetch|Some index files)' "$LOGS/apt-update.log"; then
		why "$LOGS/apt-update.log"; WHY="unreachable: ${WHY#*: }"; return 1
	fi
}

# NAME's source versions in the index, newest first.
versions()
{
	local v all=() out=() i j t
	while read -r v; do all+=("$v"); done < <(apt-cache showsrc --only-source "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | sort -u)
	for ((i = 0; i < ${#all[@]}; i++)); do
		for ((j = i + 1; j < ${#all[@]}; j++)); do
			if dpkg --compare-versions "${all[j]}" gt "${all[i]}"; then
				t=${all[i]}; all[i]=${all[j]}; all[j]=$t
			fi
		done
	done
	for v in "${all[@]}"; do echo "$v"; done
}

# download NAME VERSION: its files into $DL (only whole ones); prints why not.
download()
{
	local tmp rc=0
	tmp=$(mktemp -d "$DL/.tmp.XXXXXX")
	(cd "$tmp" && apt-get source -q --download-only --only-source "$1=$2") \
		>"$LOGS/$1.fetch.log" 2>&1 || rc=$?
	if [ $rc = 0 ] && dsc_check "$tmp/$(dsc_name "$1" "$2")"; then
		mv -f "$tmp"/* "$DL"/
		rm -rf "$tmp"
		return 0
	fi
	rm -rf "$tmp"
	[ $rc = 0 ] && { WHY="gone: the downloaded files do not match their .dsc"; return 1; }
	why "$LOGS/$1.fetch.log"
	return 1
}

loud()
{
	say "*****************************************************************"
	say "WARNING: $1"
	shift
	for l in "$@"; do say "  $l"; done
	say "*****************************************************************"
}

fetch()
{
	local n=$1 v=$2 sha=$3 dsc r=0 why_v c cand fb
	dsc=$DL/$(dsc_name "$n" "$v")
	dsc_check "$dsc" "$sha" || r=$?
	if [ $r = 0 ]; then echo "$v"; return; fi
	if [ $r = 2 ]; then
		say "$dsc has sha256 $(sha_of "$dsc"), configs/deps.lock says $sha: a wrong or altered file; delete it and run make fetch again"
		exit 1
	fi
	fb=$DL/$n.fallback
	if archive_ready "$n" && download "$n" "$v"; then
		r=0; dsc_check "$dsc" "$sha" || r=$?
		if [ $r = 0 ]; then echo "$v"; return; fi
		say "$n $v from the archive has sha256 $(sha_of "$dsc"), configs/deps.lock says $sha: not used (check the mirror, or the lock)"
		rm -f "$dsc"
		exit 1
	fi
	if [ "${WHY%%:*}" = gone ] && [ -z "${ARCHIVE_FRESH:-}" ] && archive_update &&
	   download "$n" "$v"; then
		dsc_check "$dsc" "$sha" && { echo "$v"; return; }
	fi
	why_v=$WHY
	if [ "${why_v%%:*}" = gone ]; then
		while read -r cand; do
			[ "$cand" = "$v" ] && continue
			download "$n" "$cand" || continue
			c=$DL/$(dsc_name "$n" "$cand")
			echo "$v $cand $(sha_of "$c")" >"$fb"
			loud "$n $v (configs/deps.lock) cannot be downloaded (${why_v#*: })." \
			     "Using $n $cand instead, the newest version that downloads;" \
			     "apt checked it against the archive's signed index, not the lock." \
			     "Run 'make deps-update' to lock versions that download."
			echo "$cand"
			return
		done < <(versions "$n")
	fi
	if [ -f "$fb" ] && read -r c cand r <"$fb" && [ "$c" = "$v" ] &&
	   dsc_check "$DL/$(dsc_name "$n" "$cand")" "$r"; then
		loud "$n $v (configs/deps.lock) is not in $DL and cannot be downloaded (${why_v#*: })." \
		     "Using $n $cand, downloaded earlier in its place."
		echo "$cand"
		return
	fi
	if [ "${why_v%%:*}" = unreachable ] || ! listed "$n"; then
		say "cannot fetch $n $v: the package archive cannot be reached (${why_v#*: }) and $DL has no copy; connect this machine, or fill a download directory with 'make fetch' where the archive can be reached and point DORY_DL_DIR at a copy of it"
	else
		say "cannot fetch $n $v (${why_v#*: }), nor any other version of $n the archive lists; see $LOGS/$n.fetch.log"
	fi
	exit 1
}

unpack()
{
	local n=$1 v=$2 sha=$3 dir=$4 used
	used=$(fetch "$n" "$v" "$sha")
	rm -rf "$dir" "$dir.tmp"
	dpkg-source --no-check --no-copy -x "$DL/$(dsc_name "$n" "$used")" "$dir.tmp" >"$LOGS/$n.unpack.log" 2>&1 || {
		tail -n 5 "$LOGS/$n.unpack.log" >&2; say "dpkg-source could not unpack $n $used; see $LOGS/$n.unpack.log"; exit 1; }
	mv "$dir.tmp" "$dir"
	echo "$used" >"$dir.version"
}

newest()
{
	local cand
	{ archive_ready "$1" && { [ -n "${ARCHIVE_FRESH:-}" ] || archive_update; }; } || {
		say "cannot list the versions of $1: ${WHY#*: }"; exit 1; }
	while read -r cand; do
		if download "$1" "$cand"; then
			echo "$cand $(sha_of "$DL/$(dsc_name "$1" "$cand")")"
			return
		fi
		say "$1 $cand is listed but does not download"
	done < <(versions "$1")
	say "no version of $1 downloads"
	exit 1
}

cmd=$1; shift
case $cmd in
fetch|unpack|newest) "$cmd" "$@" ;;
archive) archive_ready musl || { say "${WHY#*: }"; exit 1; } ;;
*) say "deps.sh: unknown command $cmd"; exit 2 ;;
esac
endef
# --- deps end ---

# ---- configuration (Kconfig, from Debian's kconfig-frontends) ----
KCONFIG_CONFIG ?= .config
export KCONFIG_CONFIG
O ?= build/$(ARCH)/obj
GEN := build/gen
OGEN := $(O)/gen
APPLET_SRCS := $(sort $(wildcard applets/*.c))
APPLET_FILES := $(filter-out applets/main.c,$(APPLET_SRCS))
# Only `make check` needs these: peers, the registry and its tools, valgrind,
# qemu for the cross unit tests, the host's -dev libraries of the deps for
# the ASan, valgrind and fuzzing builds, and clang with libFuzzer.
TEST_PKGS = valgrind busybox-static crun conmon qemu-user-static bsdutils docker-registry nftables \
	skopeo apache2-utils openssl python3 curl zstd umoci file \
	libseccomp-dev libbearssl-dev libcjson-dev zlib1g-dev $(FUZZ_PKGS) $(BOARD_PKGS)

-include $(KCONFIG_CONFIG)
-include $(GEN)/applets.mk

$(GEN)/applets.mk: applets/mkapplets.sh $(APPLET_FILES)
	@echo "  GEN     $(GEN)/applets.h help.h Config.applets"
	@sh applets/mkapplets.sh $(GEN) $(APPLET_FILES)
$(GEN)/applets.h $(GEN)/help.h $(GEN)/Config.applets: $(GEN)/applets.mk

KCONF = { $(call apt_ensure,kconfig-frontends); } >/dev/null && kconfig-conf
# $(KCONFIG_CONFIG).name: the defconfig a config was made from, and a sum of
# its symbols then; `dory version` shows the name ("+changes" once they differ).
CONFIG_SUM = grep '^CONFIG_' $(KCONFIG_CONFIG) | LC_ALL=C sort | sha256sum | cut -c1-16
CONFIG_NAMED = echo "$(1) $$($(CONFIG_SUM))" >$(KCONFIG_CONFIG).name
%_defconfig: $(GEN)/Config.applets
	@test -f configs/$@ || { echo "no configs/$@ (see ls configs/)" >&2; exit 1; }
	@export KCONFIG_ALLCONFIG=configs/$@ && $(KCONF) --allnoconfig Config.in >/dev/null
	@$(call CONFIG_NAMED,$@)
	@echo "  CONFIG  $(KCONFIG_CONFIG) from configs/$@"
defconfig: $(GEN)/Config.applets
	@export KCONFIG_ALLCONFIG=configs/defconfig && $(KCONF) --allnoconfig Config.in >/dev/null
	@$(call CONFIG_NAMED,defconfig)
	@echo "  CONFIG  $(KCONFIG_CONFIG) from configs/defconfig"
oldconfig: $(GEN)/Config.applets
	@$(KCONF) --oldconfig Config.in
menuconfig: $(GEN)/Config.applets
	@{ $(call apt_ensure,kconfig-frontends libncurses-dev); } >/dev/null && kconfig-mconf Config.in

# No config yet: the default one. An older one: new symbols get defaults.
$(KCONFIG_CONFIG): Config.in $(GEN)/Config.applets
	@if [ -f $@ ]; then $(KCONF) --olddefconfig Config.in >/dev/null; \
	 else export KCONFIG_ALLCONFIG=configs/defconfig && $(KCONF) --allnoconfig Config.in >/dev/null; \
	 $(call CONFIG_NAMED,defconfig); echo "  CONFIG  $@ from configs/defconfig"; fi
	@touch $@

# config.h: CFG_X (0 or 1) and IF_X(...) for every symbol Kconfig knows.
$(OGEN)/config.h: $(KCONFIG_CONFIG) Config.in $(GEN)/Config.applets
	@mkdir -p $(@D)
	@syms=$$(sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Z0-9_]\{1,\}\).*/\2/p' \
		Config.in $(GEN)/Config.applets | sort -u); \
	{ echo "/* Generated from $(KCONFIG_CONFIG): do not edit. */"; \
	  echo "#ifndef DORY_CONFIG_H"; echo "#define DORY_CONFIG_H"; \
	  for s in $$syms; do if grep -qx "CONFIG_$$s=y" $(KCONFIG_CONFIG); then \
		echo "#define CFG_$$s 1"; echo "#define IF_$$s(...) __VA_ARGS__"; else \
		echo "#define CFG_$$s 0"; echo "#define IF_$$s(...)"; fi; done; \
	  echo "#endif"; } > $@.tmp && mv $@.tmp $@

# ---- the binary ----
# Reproducible: the same sources give the same bytes, wherever the tree is.
# No clock and no path reaches the binary: the build date is the last
# commit's (SOURCE_DATE_EPOCH overrides it), paths are made relative, and
# the version, commit and date live in generated headers that change only
# when their content does.
VERSION := 0.1.0
GITREV ?= $(shell r=$$(git rev-parse --short=12 HEAD 2>/dev/null) && \
	{ git diff --quiet HEAD -- 2>/dev/null && echo $$r || echo $$r-dirty; })
# Certificates are checked against the clock; one that says it is earlier
# than this build is known to be wrong (core/registry/tls.c).
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),\
	$(shell stat -c %Y Makefile))
export SOURCE_DATE_EPOCH := $(BUILD_EPOCH)
WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes
COMMON_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -I$(OGEN) -I$(GEN) \
	-ffile-prefix-map=$(CURDIR)/=
CFLAGS := $(COMMON_CFLAGS) -Os -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fstack-protector-strong

# $(call write_if_changed,FILE): move FILE.tmp over FILE only if they differ,
# so that what includes FILE is rebuilt only when its content changes.
write_if_changed = cmp -s $(1).tmp $(1) && rm -f $(1).tmp || mv -f $(1).tmp $(1)
.PHONY: FORCE
$(OGEN)/version.h: FORCE
	@mkdir -p $(@D)
	@{ echo "/* Generated by the Makefile: do not edit. */"; \
	  echo '#define DORY_VERSION "$(VERSION)$(if $(GITREV),-$(GITREV))"'; \
	  echo '#define DORY_COMMIT "$(or $(GITREV),unknown)"'; \
	  echo '#define DORY_ARCH "$(ARCH)"'; \
	  echo '#define DORY_BUILD_EPOCH $(BUILD_EPOCH)LL'; } >$@.tmp; $(call write_if_changed,$@)
# For `dory version` only: the config's name and the dependencies' versions.
$(OGEN)/buildinfo.h: $(SYSROOT)/.deps-ok FORCE
	@mkdir -p $(@D)
	@{ echo "/* Generated by the Makefile: do not edit. */"; \
	  n=custom; if read -r name sum 2>/dev/null <$(KCONFIG_CONFIG).name; then \
	    n=$$name; [ "$$sum" = "$$($(CONFIG_SUM))" ] || n="$$n+changes"; fi; \
	  echo "#define DORY_CONFIG_NAME \"$$n\""; \
	  for d in $(DEPS); do echo "#define DORY_DEP_$$(echo $$d | tr a-z A-Z) \"$$(cat $(SYSROOT)/versions/$$d)\""; done; \
	} >$@.tmp; $(call write_if_changed,$@)
LDFLAGS := -static -Wl,--gc-sections
# The same libraries for the static binary (from the sysroot) and for the
# host's ASan and valgrind unit builds (Debian's -dev packages); each is
# wrapped by one core file, and --gc-sections drops what is not used.
LIBS := -lseccomp -lbearssl -lcjson -lz

# The core, room by room (core/ROOM/, see README), as the config needs it.
room_objs = $(patsubst %.c,%.o,$(sort $(foreach r,$(1),$(wildcard core/$(r)/*.c))))
core-y := $(addprefix core/util/,err.o log.o xalloc.o str.o opt.o fsutil.o chk.o)
core-$(CONFIG_CORE_IMAGE) += $(addprefix core/util/,sha256.o json.o gz.o lock.o conf.o tpl.o) \
	$(call room_objs,store image fs) libc-compat/newmount.o
core-$(CONFIG_CORE_SECCOMP) += core/kernel/seccomp.o
core-$(CONFIG_CORE_REGISTRY) += core/util/b64.o $(call room_objs,registry)
core-$(CONFIG_CORE_RUNTIME) += $(filter-out core/kernel/seccomp.o,$(call room_objs,kernel)) \
	$(call room_objs,net runtime ctr) \
	$(addprefix libc-compat/,pivot_root.o clone.o closerange.o)
OBJS := $(addprefix $(O)/,applets/main.o $(obj-y) $(sort $(core-y)))
ALL_CORE := $(patsubst %.c,%.o,$(wildcard core/*/*.c libc-compat/*.c))

$(O)/%.o: %.c $(OGEN)/config.h $(GEN)/applets.h $(SYSROOT)/.deps-ok | $(OGEN)/version.h \
		$(OGEN)/buildinfo.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC_MUSL) $(CFLAGS) -MMD -MP -c -o $@ $<
-include $(shell find $(O) -name '*.d' 2>/dev/null)

$(O)/dory.unstripped: $(OBJS)
	@echo "  LD      $@"
	@$(CC_MUSL) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)
$(O)/dory: $(O)/dory.unstripped
	@$(STRIP_T) -s -R .comment -o $@ $<

ifeq ($(O),build/$(ARCH)/obj)
all: build/$(ARCH)/dory $(if $(filter $(ARCH),$(HOST_ARCH)),build/dory)
build/$(ARCH)/dory: $(O)/dory
	@cp $< $@.tmp && mv -f $@.tmp $@ && echo "  OUT     $@ ($$(stat -c %s $@) bytes)"
build/dory: build/$(ARCH)/dory
	@cp $< $@.tmp && mv -f $@.tmp $@
else
all: $(O)/dory
endif
.PHONY: all defconfig oldconfig menuconfig check check-mutants demo install size clean \
	distclean unit asan-unit vg-unit fuzz fuzz-build fuzz-merge

# ---- unit tests: musl static (run natively, under valgrind or qemu) ----
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/unit/%,$(UNIT_SRCS))
UNIT_CORE := $(addprefix $(O)/,$(ALL_CORE))
$(O)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(UNIT_CORE)
	@mkdir -p $(@D)
	@echo "  UNIT    $@"
	@$(CC_MUSL) $(CFLAGS) -Wno-unused-function -g $(LDFLAGS) -o $@ $< $(UNIT_CORE) $(LIBS)
unit: $(UNIT_BINS)

# ... and with the host's gcc under AddressSanitizer and UBSan.
ASAN := build/asan
ASAN_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
ASAN_CORE := $(addprefix $(ASAN)/,$(ALL_CORE))
ASAN_BINS := $(patsubst tests/unit/%.c,$(ASAN)/unit/%,$(UNIT_SRCS))
$(ASAN)/%.o: %.c $(OGEN)/config.h $(GEN)/applets.h | $(OGEN)/version.h
	@mkdir -p $(@D)
	@gcc $(COMMON_CFLAGS) $(ASAN_FLAGS) -MMD -MP -c -o $@ $<
-include $(shell find $(ASAN) -name '*.d' 2>/dev/null)
$(ASAN)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(ASAN_CORE)
	@mkdir -p $(@D)
	@echo "  ASAN    $@"
	@gcc $(COMMON_CFLAGS) $(ASAN_FLAGS) -Wno-unused-function -o $@ $< $(ASAN_CORE) $(LIBS)
asan-unit: $(ASAN_BINS)

# ... and plain (glibc, dynamic) for valgrind, which cannot see inside a
# static binary's malloc.
VG := build/vg
VG_CORE := $(addprefix $(VG)/,$(ALL_CORE))
VG_BINS := $(patsubst tests/unit/%.c,$(VG)/unit/%,$(UNIT_SRCS))
$(VG)/%.o: %.c $(OGEN)/config.h $(GEN)/applets.h | $(OGEN)/version.h
	@mkdir -p $(@D)
	@gcc $(COMMON_CFLAGS) -g -O1 -MMD -MP -c -o $@ $<
-include $(shell find $(VG) -name '*.d' 2>/dev/null)
$(VG)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(VG_CORE)
	@mkdir -p $(@D)
	@echo "  VG      $@"
	@gcc $(COMMON_CFLAGS) -g -O1 -Wno-unused-function -o $@ $< $(VG_CORE) $(LIBS)
vg-unit: $(VG_BINS)
# The unit builds' objects are prerequisites of pattern rules only, which
# would make them intermediate files, deleted after each build. (Not
# .SECONDARY: with it, GNU make 4.3 also leaves a missing stamp unbuilt.)
.PRECIOUS: $(UNIT_CORE) $(ASAN_CORE) $(VG_CORE)

# ---- fuzzing: a libFuzzer target per parser of outside input ----
# tests/fuzz/NAME_fuzz.c (one target each, defining LLVMFuzzerTestOneInput)
# is built by clang with libFuzzer, ASan and UBSan, and linked with every
# core object built by clang with the ASan unit build's flags and libFuzzer's
# coverage; its seeds are tests/fuzz/corpus/NAME/, and tests/fuzz/NAME.dict
# and NAME.options (when there are) its dictionary and more libFuzzer
# options. New targets are picked up by name.
#   make fuzz [FUZZ_S=60] [FUZZ_TARGETS="ref http"]   each target for FUZZ_S
#        seconds on build/fuzz/work/NAME, a copy of its corpus; a crash
#        leaves its input in build/fuzz/crashes/NAME/
#   make fuzz-merge      add what `make fuzz` found that reaches new
#        coverage to tests/fuzz/corpus/NAME (then review and commit it)
# `make check` runs each over its corpus and a few seconds more
# (tests/cases/fuzz.sh).
FUZZ := build/fuzz
FUZZ_PKGS := clang-14 libclang-rt-14-dev
FUZZ_CC := $(shell command -v clang-14 2>/dev/null || echo clang)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%_fuzz.c,%,$(FUZZ_SRCS))
FUZZ_S ?= 60
FUZZ_CORE := $(addprefix $(FUZZ)/,$(ALL_CORE))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ)/%,$(FUZZ_SRCS))
.PRECIOUS: $(FUZZ_CORE)
$(FUZZ)/%.o: %.c $(OGEN)/config.h $(GEN)/applets.h | $(OGEN)/version.h
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(COMMON_CFLAGS) $(ASAN_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
-include $(shell find $(FUZZ) -name '*.d' 2>/dev/null)
$(FUZZ)/%_fuzz: tests/fuzz/%_fuzz.c $(wildcard tests/fuzz/*.h) $(FUZZ_CORE)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(COMMON_CFLAGS) $(ASAN_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE) $(LIBS)
fuzz-build:
	@$(call apt_ensure,$(FUZZ_PKGS))
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
fuzz: fuzz-build
	@FUZZ_DIR=$(FUZZ) FUZZ_S=$(FUZZ_S) tests/fuzz/run.sh fuzz $(FUZZ_TARGETS)
fuzz-merge: fuzz-build
	@FUZZ_DIR=$(FUZZ) tests/fuzz/run.sh merge $(FUZZ_TARGETS)

# ---- check, demo, install, size ----
# Unit tests of two cross builds (64-bit and 32-bit) run under qemu-user.
CHECK_CROSS := aarch64 armv7
# The cross builds' binaries too: tests/cases/repro.sh rebuilds one elsewhere.
check: all
	@$(call apt_ensure,$(TEST_PKGS))
	@$(MAKE) --no-print-directory unit asan-unit vg-unit fuzz-build
	@for a in $(CHECK_CROSS); do $(MAKE) --no-print-directory ARCH=$$a all unit || exit 1; done
	@GITREV=$(GITREV) DORY=$(CURDIR)/build/$(ARCH)/dory UNIT_DIR=$(O)/unit ASAN_DIR=$(ASAN)/unit \
	 VG_DIR=$(VG)/unit FUZZ_DIR=$(FUZZ) \
	 CROSS_UNIT="$(foreach a,$(CHECK_CROSS),$(a):build/$(a)/obj/unit)" \
	 tests/run

# ---- booted-kernel tests: qemu boards (board/README) ----
# board/qemu-ARCH boots Debian's kernel (board/qemu-ARCH/debs.lock, fetched
# into DORY_DL_DIR like the sources) under qemu's TCG with dory in an
# initramfs, and runs board/qemu/checks.sh there once per variant of
# board/qemu/init. `make check` boots qemu-x86_64 (tests/cases/board-x86_64.sh);
#   make check-boards [BOARD_VARIANTS="root svc"]   every board, every variant
#        (its board.conf's BOARD_VARIANTS; systemd only here)
#   make fetch-boards | boards-update               the locked .debs
BOARDS := $(patsubst board/%/debs.lock,%,$(wildcard board/qemu-*/debs.lock))
# (a board's ARCH is its board.conf's: qemu-x86_64-5.10 runs build/x86_64/dory)
BOARD_ARCHS = $(sort $(foreach b,$(BOARDS),$(shell sed -n 's/^ARCH=//p' board/$(b)/board.conf)))
BOARD_PKGS = qemu-system-x86 cpio xz-utils
BOARD_ALL_PKGS = $(BOARD_PKGS) qemu-system-arm qemu-user-static mmdebstrap e2fsprogs
BOARD_VARIANTS ?=
.PHONY: check-boards fetch-boards boards-update
fetch-boards:
	@for b in $(BOARDS); do echo "  FETCH board/$$b"; \
	  DL=$(DL) bash board/qemu/debs.sh fetch board/$$b >/dev/null || exit 1; done
boards-update:
	@for b in $(BOARDS); do DL=$(DL) bash board/qemu/debs.sh update board/$$b || exit 1; done
check-boards:
	@$(call apt_ensure,$(BOARD_ALL_PKGS))
	@for a in $(BOARD_ARCHS); do $(MAKE) --no-print-directory ARCH=$$a all || exit 1; done
	@for b in $(BOARDS); do DORY=$(CURDIR)/build/$$(sed -n 's/^ARCH=//p' board/$$b/board.conf)/dory DORY_DL_DIR=$(DL) \
	  bash board/qemu/run.sh board/$$b $(BOARD_VARIANTS); done | tee build/check-boards.log
	@awk '/^ok .*# SKIP/ { k++; next } /^ok / { p++ } /^not ok / { f++ } \
	  END { printf "%d passed, %d failed, %d skipped\n", p, f, k; exit f > 0 || p == 0 }' build/check-boards.log

# Mutation tests: each security check of tests/mutants.list deleted in a
# scratch copy (build/mutants), and the tests that must then fail, run;
# MUTANTS="NAME..." runs only those.
check-mutants: all
	@$(call apt_ensure,$(TEST_PKGS))
	@ARCH=$(ARCH) tests/mutants.sh $(MUTANTS)

demo: all
	@$(call apt_ensure,$(DEMO_PKGS))
	@DORY=$(CURDIR)/build/$(ARCH)/dory tests/demo.sh

PREFIX ?= /usr/local
DESTDIR ?=
install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 build/$(ARCH)/dory $(DESTDIR)$(PREFIX)/bin/dory
	for a in $$(build/$(ARCH)/dory --list 2>/dev/null || $(QEMU) build/$(ARCH)/dory --list); do \
		ln -sf dory $(DESTDIR)$(PREFIX)/bin/$$a; done

# Stripped size of every config in configs/ for every architecture.
SIZE_ARCHS ?= $(ARCHS)
size:
	@printf '%-20s' config; for a in $(SIZE_ARCHS); do printf '%10s' $$a; done; echo
	@for c in $$(cd configs && ls *defconfig); do n=$${c%_defconfig}; n=$${n:-default}; \
	  printf '%-20s' "$$c"; \
	  for a in $(SIZE_ARCHS); do \
	    o=build/size/$$c-$$a; mkdir -p $$o; \
	    $(MAKE) --no-print-directory -s ARCH=$$a O=$$o KCONFIG_CONFIG=$$o/.config \
		$$c >/dev/null 2>&1 && \
	    $(MAKE) --no-print-directory -s ARCH=$$a O=$$o KCONFIG_CONFIG=$$o/.config \
		$$o/dory >$$o/build.log 2>&1 && printf '%10s' $$(stat -c %s $$o/dory) || printf '%10s' FAIL; \
	  done; echo; done

clean:
	rm -rf build/gen build/asan build/vg build/fuzz build/size build/mutants build/board $(foreach a,$(ARCHS),build/$(a)/obj build/$(a)/dory) build/dory
distclean:
	rm -rf build .config .config.old .config.name
