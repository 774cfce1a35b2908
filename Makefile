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
# libseccomp, built once per ARCH into build/ARCH/sysroot with stamps.
#   make host-packages   install missing build tools with apt-get (HOST_PKGS)
#   make deps            the sysroot for ARCH is complete ($(SYSROOT)/.deps-ok)
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
DEPS_CFLAGS := -Os -ffunction-sections -fdata-sections
DEPS_JOBS := $(shell nproc 2>/dev/null || echo 2)
DEPS_STAMPS := $(foreach d,headers musl zlib cjson bearssl libseccomp,$(SYSROOT)/.stamp-$(d))

# Debian packages: DEPS_PKGS are what the sysroot build needs (installed when
# a sysroot stamp is built); HOST_PKGS, for `make host-packages`, is the whole
# list.  Recursive (=) so that `HOST_PKGS += ...` further down is honoured.
DEPS_PKGS = dpkg-dev gperf make gcc $(CROSS_PKG) $(UAPI_PKG)
HOST_PKGS = $(DEPS_PKGS) kconfig-frontends file busybox-static $(if $(QEMU),qemu-user-static)

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

.PHONY: host-packages deps deb-src

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

deb-src: $(DEPS_SRC)/.deb-src-ok

$(DEPS_SRC)/.deb-src-ok:
	@$(call apt_ensure,$(DEPS_PKGS))
	@mkdir -p $(@D)$(shell mkdir -p $(DEPS_SRC))$(file >$(DEPS_SRC)/deb-src.awk,$(value DEB_SRC_AWK))
	@set -e; sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	if ! apt-cache showsrc musl >/dev/null 2>&1; then \
	  if ! grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && \
	     ! grep -Eiqs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources; then \
	    echo "  APT deb-src -> $(DEB_SRC_FILE)"; \
	    files=; for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do \
	      [ -f "$$f" ] && [ "$$f" != "$(DEB_SRC_FILE)" ] && files="$$files $$f"; done; \
	    awk -f $(DEPS_SRC)/deb-src.awk $$files > $(DEPS_SRC)/deb-src.sources; \
	    [ -s $(DEPS_SRC)/deb-src.sources ] || { echo "dory: no enabled Debian apt source to derive deb-src entries from; add deb-src lines to /etc/apt/sources.list" >&2; exit 1; }; \
	    $$sudo install -m 644 $(DEPS_SRC)/deb-src.sources $(DEB_SRC_FILE); \
	  fi; \
	  echo "  APT update"; $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >$(DEPS_SRC)/apt-update.log 2>&1 \
	    || { tail -n 20 $(DEPS_SRC)/apt-update.log; exit 1; }; \
	  apt-cache showsrc musl >/dev/null 2>&1 || { echo "dory: apt-get source still cannot find musl; see $(DEPS_SRC)/apt-update.log" >&2; exit 1; }; \
	fi
	@touch $@

# Sources, fetched once for all arches: build/src/NAME -> NAME-VERSION/.
$(DEPS_SRC)/%.fetched: | $(DEPS_SRC)/.deb-src-ok
	@echo "  SRC $*"
	@set -e; cd $(DEPS_SRC); rm -rf $* $*-[0-9]*/; \
	apt-get source -q $* >$*.fetch.log 2>&1 || { tail -n 20 $*.fetch.log; \
	  echo "dory: apt-get source $* failed; full log: $(DEPS_SRC)/$*.fetch.log" >&2; exit 1; }; \
	d=$$(ls -d $*-[0-9]*/ | head -n 1); [ -n "$$d" ] || { echo "dory: apt-get source $* left no $*-VERSION directory" >&2; exit 1; }; \
	ln -sfn "$${d%/}" $*
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

$(SYSROOT)/.stamp-musl: $(DEPS_SRC)/musl.fetched $(SYSROOT)/.stamp-headers
	$(call dep_begin,musl)
	@( $(dep_env); rm -rf $(DEPS_WORK)/musl; mkdir -p $(DEPS_WORK)/musl; cd $(DEPS_WORK)/musl; \
	   $(DEPS_SRC)/musl/configure --target=$(TRIPLE) --prefix=$(SYSROOT) --disable-shared \
	     --enable-wrapper=gcc CC=$(GCC_T) CROSS_COMPILE=$(TRIPLE)- CFLAGS="$(DEPS_CFLAGS)"; \
	   grep -qx 'ARCH = $(MUSL_ARCH)' config.mak; \
	   make -j$(DEPS_JOBS); make install; \
	   printf '#!/bin/sh\n# gcc for static musl binaries ($(ARCH)); made by dory'"'"'s Makefile\nexec %s "$$@" -specs "%s"\n' \
	     '$(GCC_T)' '$(SYSROOT)/lib/musl-gcc.specs' >$(CC_MUSL); chmod 755 $(CC_MUSL); \
	   rm -f $(SYSROOT)/bin/musl-gcc ) $(call dep_end,musl)
	@touch $@

# The libraries are built one after another (order-only chain) so that a
# parallel make never runs two dependency builds at once.
$(SYSROOT)/.stamp-zlib: $(DEPS_SRC)/zlib.fetched $(SYSROOT)/.stamp-musl
	$(call dep_begin,zlib)
	@( $(dep_env); rm -rf $(DEPS_WORK)/zlib; cp -a $(DEPS_SRC)/zlib/. $(DEPS_WORK)/zlib; cd $(DEPS_WORK)/zlib; \
	   CC=$(CC_MUSL) CFLAGS="$(DEPS_CFLAGS)" CHOST=$(TRIPLE) AR=$(AR_T) ./configure --static --prefix=$(SYSROOT); \
	   make -j$(DEPS_JOBS) libz.a AR=$(AR_T); \
	   cp libz.a $(SYSROOT)/lib/; cp zlib.h zconf.h $(SYSROOT)/include/ ) $(call dep_end,zlib)
	@touch $@

$(SYSROOT)/.stamp-cjson: $(DEPS_SRC)/cjson.fetched $(SYSROOT)/.stamp-musl | $(SYSROOT)/.stamp-zlib
	$(call dep_begin,cjson)
	@( $(dep_env); rm -rf $(DEPS_WORK)/cjson; mkdir -p $(DEPS_WORK)/cjson $(SYSROOT)/include/cjson; cd $(DEPS_WORK)/cjson; \
	   $(CC_MUSL) $(DEPS_CFLAGS) -std=c89 -c -o cJSON.o $(DEPS_SRC)/cjson/cJSON.c; \
	   rm -f libcjson.a; $(AR_T) rcs libcjson.a cJSON.o; \
	   cp libcjson.a $(SYSROOT)/lib/; cp $(DEPS_SRC)/cjson/cJSON.h $(SYSROOT)/include/cjson/ ) $(call dep_end,cjson)
	@touch $@

$(SYSROOT)/.stamp-bearssl: $(DEPS_SRC)/bearssl.fetched $(SYSROOT)/.stamp-musl | $(SYSROOT)/.stamp-cjson
	$(call dep_begin,bearssl)
	@( $(dep_env); rm -rf $(DEPS_WORK)/bearssl; mkdir -p $(DEPS_WORK)/bearssl; cd $(DEPS_SRC)/bearssl; \
	   find src -name '*.c' | sort | sed 's/\.c$$//' | xargs -P$(DEPS_JOBS) -I{} sh -c \
	     'mkdir -p "$$(dirname "$(DEPS_WORK)/bearssl/$$1")" && $(CC_MUSL) $(DEPS_CFLAGS) -Isrc -Iinc -c -o "$(DEPS_WORK)/bearssl/$$1.o" "$$1.c"' sh {}; \
	   cd $(DEPS_WORK)/bearssl; rm -f libbearssl.a; find src -name '*.o' | sort | xargs $(AR_T) rcs libbearssl.a; \
	   cp libbearssl.a $(SYSROOT)/lib/; cp $(DEPS_SRC)/bearssl/inc/*.h $(SYSROOT)/include/ ) $(call dep_end,bearssl)
	@touch $@

$(SYSROOT)/.stamp-libseccomp: $(DEPS_SRC)/libseccomp.fetched $(SYSROOT)/.stamp-musl | $(SYSROOT)/.stamp-bearssl
	$(call dep_begin,libseccomp)
	@( $(dep_env); rm -rf $(DEPS_WORK)/libseccomp; cp -a $(DEPS_SRC)/libseccomp/. $(DEPS_WORK)/libseccomp; cd $(DEPS_WORK)/libseccomp; \
	   ./configure --host=$(TRIPLE) --prefix=$(SYSROOT) --disable-shared --enable-static --disable-python \
	     CC=$(CC_MUSL) CFLAGS="$(DEPS_CFLAGS)" LDFLAGS=-static AR=$(AR_T); \
	   make -j$(DEPS_JOBS) -C src libseccomp.la; make -C include; \
	   cp src/.libs/libseccomp.a $(SYSROOT)/lib/; cp include/seccomp.h include/seccomp-syscalls.h $(SYSROOT)/include/ ) $(call dep_end,libseccomp)
	@touch $@

$(SYSROOT)/.deps-ok: $(DEPS_STAMPS)
	@touch $@
# --- deps end ---

# ---- configuration (Kconfig, from Debian's kconfig-frontends) ----
KCONFIG_CONFIG ?= .config
export KCONFIG_CONFIG
O ?= build/$(ARCH)/obj
GEN := build/gen
OGEN := $(O)/gen
APPLET_SRCS := $(sort $(wildcard applets/*.c))
APPLET_FILES := $(filter-out applets/main.c,$(APPLET_SRCS))
HOST_PKGS += valgrind busybox-static crun conmon qemu-user-static bsdutils docker-registry \
	skopeo apache2-utils openssl python3 curl zstd umoci

-include $(KCONFIG_CONFIG)
-include $(GEN)/applets.mk

$(GEN)/applets.mk: applets/mkapplets.sh $(APPLET_FILES)
	@echo "  GEN     $(GEN)/applets.h help.h Config.applets"
	@sh applets/mkapplets.sh $(GEN) $(APPLET_FILES)
$(GEN)/applets.h $(GEN)/help.h $(GEN)/Config.applets: $(GEN)/applets.mk

KCONF = { $(call apt_ensure,kconfig-frontends); } >/dev/null && kconfig-conf
%_defconfig: $(GEN)/Config.applets
	@test -f configs/$@ || { echo "no configs/$@ (see ls configs/)" >&2; exit 1; }
	@export KCONFIG_ALLCONFIG=configs/$@ && $(KCONF) --allnoconfig Config.in >/dev/null
	@echo "  CONFIG  $(KCONFIG_CONFIG) from configs/$@"
defconfig: $(GEN)/Config.applets
	@export KCONFIG_ALLCONFIG=configs/defconfig && $(KCONF) --allnoconfig Config.in >/dev/null
	@echo "  CONFIG  $(KCONFIG_CONFIG) from configs/defconfig"
oldconfig: $(GEN)/Config.applets
	@$(KCONF) --oldconfig Config.in
menuconfig: $(GEN)/Config.applets
	@{ $(call apt_ensure,kconfig-frontends libncurses-dev); } >/dev/null && kconfig-mconf Config.in

# No config yet: the default one. An older one: new symbols get defaults.
$(KCONFIG_CONFIG): Config.in $(GEN)/Config.applets
	@if [ -f $@ ]; then $(KCONF) --olddefconfig Config.in >/dev/null; \
	 else export KCONFIG_ALLCONFIG=configs/defconfig && $(KCONF) --allnoconfig Config.in >/dev/null; \
	 echo "  CONFIG  $@ from configs/defconfig"; fi
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
VERSION := 0.1.0
GITREV := $(shell git rev-parse --short HEAD 2>/dev/null)
WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes
# Certificates are checked against the clock; one that says it is earlier
# than this build is known to be wrong (core/tls.c).
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),$(shell date +%s))
COMMON_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -I$(OGEN) -I$(GEN) -DDORY_BUILD_EPOCH=$(BUILD_EPOCH)
CFLAGS := $(COMMON_CFLAGS) -Os -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fstack-protector-strong \
	-DDORY_VERSION='"$(VERSION)$(if $(GITREV),-$(GITREV))"' -DDORY_ARCH='"$(ARCH)"'
LDFLAGS := -static -Wl,--gc-sections
# The same libraries for the static binary (from the sysroot) and for the
# host's ASan and valgrind unit builds (Debian's -dev packages); each is
# wrapped by one core file, and --gc-sections drops what is not used.
LIBS := -lseccomp -lbearssl -lcjson -lz
HOST_PKGS += libseccomp-dev libbearssl-dev libcjson-dev zlib1g-dev

CORE_BASE := core/err.o core/log.o core/xalloc.o core/str.o core/opt.o core/fsutil.o
core-y := $(CORE_BASE)
core-$(CONFIG_CORE_IMAGE) += core/sha256.o core/json.o core/gz.o core/lock.o core/conf.o \
	core/ref.o core/platform.o $(patsubst %.c,%.o,$(wildcard core/store*.c)) core/layer.o \
	core/image.o core/ctrfs.o core/overlay.o core/bindcopy.o libc-compat/newmount.o \
	$(patsubst %.c,%.o,$(wildcard core/archive*.c core/tar.c core/tpl.c))
core-$(CONFIG_CORE_SECCOMP) += core/seccomp.o
core-$(CONFIG_CORE_REGISTRY) += core/b64.o core/tls.o core/http.o core/registry.o \
	core/image_pull.o
core-$(CONFIG_CORE_RUNTIME) += core/caps.o core/mnt.o core/nl.o core/pty.o \
	$(patsubst %.c,%.o,$(wildcard core/cgroup*.c)) \
	core/passwd.o core/rootfs.o core/runtime.o libc-compat/pivot_root.o libc-compat/clone.o \
	libc-compat/closerange.o \
	core/proc.o \
	$(patsubst %.c,%.o,$(wildcard core/ctr*.c core/supervisor.c core/rt_exec.c core/userns.c))
OBJS := $(addprefix $(O)/,applets/main.o $(obj-y) $(sort $(core-y)))
ALL_CORE := $(patsubst %.c,%.o,$(wildcard core/*.c libc-compat/*.c))

$(O)/%.o: %.c $(OGEN)/config.h $(GEN)/applets.h $(SYSROOT)/.deps-ok
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
# Objects of the unit-test builds are kept, not treated as intermediates.
.SECONDARY:
.PHONY: all defconfig oldconfig menuconfig check demo install size clean distclean unit \
	asan-unit vg-unit

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
$(ASAN)/%.o: %.c $(OGEN)/config.h $(GEN)/applets.h
	@mkdir -p $(@D)
	@gcc $(COMMON_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<
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
$(VG)/%.o: %.c $(OGEN)/config.h $(GEN)/applets.h
	@mkdir -p $(@D)
	@gcc $(COMMON_CFLAGS) -g -O1 -c -o $@ $<
$(VG)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(VG_CORE)
	@mkdir -p $(@D)
	@echo "  VG      $@"
	@gcc $(COMMON_CFLAGS) -g -O1 -Wno-unused-function -o $@ $< $(VG_CORE) $(LIBS)
vg-unit: $(VG_BINS)

# ---- check, demo, install, size ----
# Unit tests of two cross builds (64-bit and 32-bit) run under qemu-user.
CHECK_CROSS := aarch64 armv7
check: all
	@$(MAKE) --no-print-directory host-packages
	@$(MAKE) --no-print-directory unit asan-unit vg-unit
	@for a in $(CHECK_CROSS); do $(MAKE) --no-print-directory ARCH=$$a unit || exit 1; done
	@DORY=$(CURDIR)/build/$(ARCH)/dory UNIT_DIR=$(O)/unit ASAN_DIR=$(ASAN)/unit VG_DIR=$(VG)/unit \
	 CROSS_UNIT="$(foreach a,$(CHECK_CROSS),$(a):build/$(a)/obj/unit)" \
	 tests/run

demo: all
	@$(MAKE) --no-print-directory host-packages
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
	@for c in $$(ls configs); do n=$${c%_defconfig}; n=$${n:-default}; \
	  printf '%-20s' "$$c"; \
	  for a in $(SIZE_ARCHS); do \
	    o=build/size/$$c-$$a; mkdir -p $$o; \
	    $(MAKE) --no-print-directory -s ARCH=$$a O=$$o KCONFIG_CONFIG=$$o/.config \
		$$c >/dev/null 2>&1 && \
	    $(MAKE) --no-print-directory -s ARCH=$$a O=$$o KCONFIG_CONFIG=$$o/.config \
		$$o/dory >$$o/build.log 2>&1 && printf '%10s' $$(stat -c %s $$o/dory) || printf '%10s' FAIL; \
	  done; echo; done

clean:
	rm -rf build/gen build/asan build/vg build/size $(foreach a,$(ARCHS),build/$(a)/obj build/$(a)/dory) build/dory
distclean:
	rm -rf build .config .config.old
