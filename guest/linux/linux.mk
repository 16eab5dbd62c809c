# guest/linux/linux.mk — the Linux guest: build/guest/linux/Image (Linux 6.1
# from Debian's linux-source-6.1) and build/guest/linux/initramfs.cpio.gz
# (static busybox from Debian's busybox source package, /init, workloads).
# See guest/linux/README.md.
#
# The slow parts are built by the scripts beside this file in a cache outside
# the tree (${POPEK_CACHE:-~/.cache/popek}), keyed on their inputs: when the
# cache has them, these rules only copy.  `make guest-linux` builds both.

LINUX_OUT := $(BUILD)/guest/linux
LINUX_DIR := guest/linux
LINUX_LIB := $(LINUX_DIR)/lib.sh $(LINUX_DIR)/check-config.sh scripts/build-lib.sh

.PHONY: guest-linux
guest-linux: $(LINUX_OUT)/Image $(LINUX_OUT)/initramfs.cpio.gz

# dpkg rewrites a package's file list when it installs or upgrades it (the
# tarball itself keeps the package's date): an upgrade of linux-source-6.1
# makes the Image out of date.  When it is not installed the script installs it.
$(LINUX_OUT)/Image: $(LINUX_DIR)/popek.config $(LINUX_DIR)/build-linux.sh $(LINUX_LIB) \
		$(LINUX_DIR)/linux.mk $(wildcard /var/lib/dpkg/info/linux-source-6.1.list)
	@V=$(V) $(LINUX_DIR)/build-linux.sh $@

# busybox.links (one line per applet) is written beside it, before it.
$(LINUX_OUT)/busybox: $(LINUX_DIR)/busybox.config $(LINUX_DIR)/build-busybox.sh $(LINUX_LIB) \
		$(LINUX_DIR)/linux.mk
	@V=$(V) $(LINUX_DIR)/build-busybox.sh $(LINUX_OUT)

# Every file and directory of the skeleton: adding, changing or removing one
# repacks.
LINUX_SKEL := $(shell find $(LINUX_DIR)/initramfs 2>/dev/null)

$(LINUX_OUT)/initramfs.cpio.gz: $(LINUX_OUT)/busybox $(LINUX_SKEL) $(LINUX_DIR)/build-initramfs.sh \
		$(LINUX_LIB) $(LINUX_DIR)/linux.mk
	@$(LINUX_DIR)/build-initramfs.sh $@ $(LINUX_OUT)
