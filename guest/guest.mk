# guest/guest.mk — the teaching kernel (guest/kernel) and its user programs
# (guest/user), linked into one image: build/guest/teach.elf, loaded at
# 0x80200000 as OpenSBI's payload or by popek.
#
# build/guest/teach-m.elf is the same kernel objects linked together with
# an M-mode firmware of its own (guest/mkernel) at 0x80000000, for a board
# or VM that starts in machine mode (boot = firmware).
#
# Each guest/user/NAME.c (except ulib.c) is a program, linked on its own to
# build/guest/user/NAME.elf and embedded in the kernel by kernel/progs.S.

GUEST_OBJ  := $(BUILD)/guest/obj
GUEST_USER := $(BUILD)/guest/user

USER_PROGS := $(sort $(basename $(notdir $(filter-out guest/user/ulib.c,$(wildcard guest/user/*.c)))))
USER_ELFS  := $(patsubst %,$(GUEST_USER)/%.elf,$(USER_PROGS))
USER_LIB   := $(GUEST_OBJ)/user/ulib.o $(GUEST_OBJ)/user/usys.o

KERNEL_SRCS := $(wildcard guest/kernel/*.c guest/kernel/*.S)
KERNEL_OBJS := $(patsubst guest/%,$(GUEST_OBJ)/%.o,$(basename $(KERNEL_SRCS)))

GUEST_CFLAGS := $(TCFLAGS) -Iguest/kernel

$(GUEST_OBJ)/kernel/%.o: guest/kernel/%.c
	@mkdir -p $(dir $@)
	$(TCC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJ)/kernel/%.o: guest/kernel/%.S
	@mkdir -p $(dir $@)
	$(TCC) $(GUEST_CFLAGS) -c $< -o $@

# progs.S pulls the user ELFs in with .incbin.
$(GUEST_OBJ)/kernel/progs.o: guest/kernel/progs.S $(USER_ELFS) guest/guest.mk
	@mkdir -p $(dir $@)
	$(TCC) $(GUEST_CFLAGS) -I$(GUEST_USER) \
		-DUSER_PROG_LIST="$(subst $(eval) ,$(GUEST_COMMA),$(USER_PROGS))" -c $< -o $@

$(GUEST_OBJ)/user/%.o: guest/user/%.c
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -Iguest/user -c $< -o $@

$(GUEST_OBJ)/user/%.o: guest/user/%.S
	@mkdir -p $(dir $@)
	$(TCC) $(TCFLAGS) -Iguest/user -Iguest/kernel -c $< -o $@

$(GUEST_USER)/%.elf: $(GUEST_OBJ)/user/%.o $(USER_LIB) guest/user/user.ld
	@mkdir -p $(dir $@)
	$(TCC) $(TLDFLAGS) -T guest/user/user.ld -o $@ $< $(USER_LIB) -lgcc

# The display mode's text: a console font from Debian's console-setup-linux, converted.
FONT_PSF := /usr/share/consolefonts/Lat15-VGA16.psf.gz

$(BUILD)/gen/font8x16.h: scripts/psf2c.py
	@mkdir -p $(dir $@)
	python3 scripts/psf2c.py $(FONT_PSF) font8x16 $@

$(GUEST_OBJ)/kernel/display.o: $(BUILD)/gen/font8x16.h
$(GUEST_OBJ)/kernel/display.o: GUEST_CFLAGS += -I$(BUILD)/gen

$(BUILD)/guest/teach.elf: $(KERNEL_OBJS) guest/kernel/kernel.ld
	@mkdir -p $(dir $@)
	$(TCC) $(TLDFLAGS) -T guest/kernel/kernel.ld -o $@ $(KERNEL_OBJS) -lgcc

MKERNEL_SRCS := $(wildcard guest/mkernel/*.c guest/mkernel/*.S)
MKERNEL_OBJS := $(patsubst guest/%,$(GUEST_OBJ)/%.o,$(basename $(MKERNEL_SRCS)))

$(GUEST_OBJ)/mkernel/%.o: guest/mkernel/%.c
	@mkdir -p $(dir $@)
	$(TCC) $(GUEST_CFLAGS) -Iguest/mkernel -c $< -o $@

$(GUEST_OBJ)/mkernel/%.o: guest/mkernel/%.S
	@mkdir -p $(dir $@)
	$(TCC) $(GUEST_CFLAGS) -Iguest/mkernel -c $< -o $@

# teach-m.ld places the objects under mkernel/ at 0x80000000 by their path.
$(BUILD)/guest/teach-m.elf: $(MKERNEL_OBJS) $(KERNEL_OBJS) guest/mkernel/teach-m.ld
	@mkdir -p $(dir $@)
	$(TCC) $(TLDFLAGS) -T guest/mkernel/teach-m.ld -o $@ $(MKERNEL_OBJS) $(KERNEL_OBJS) -lgcc

GUEST_COMMA := ,
ALL_TARGETS += $(BUILD)/guest/teach.elf $(BUILD)/guest/teach-m.elf
