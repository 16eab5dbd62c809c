# The host launcher, build/bin/popek (tools/popek/, DESIGN.md §8).
# Host objects go to build/host/ like the unit tests'; hyp/core/bundle.c is
# linked in so the launcher checks each bundle with popek's own bundle_check().

POPEK_SRCS := $(wildcard tools/popek/*.c) hyp/core/bundle.c
POPEK_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(POPEK_SRCS))
POPEK_LIBS := $(shell pkg-config --libs inih libpng) -lfdt

# A static pattern rule, so that it wins over any generic build/host/ rule.
$(POPEK_OBJS): $(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HCFLAGS) -DPOPEK_HOST -Ihyp -Itools/popek -c $< -o $@

$(BUILD)/bin/popek: $(POPEK_OBJS)
	@mkdir -p $(dir $@)
	$(HOSTCC) -o $@ $^ $(POPEK_LIBS)

ALL_TARGETS += $(BUILD)/bin/popek
