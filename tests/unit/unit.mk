# Host unit tests (cmocka).  Each tests/unit/NAME.mk fragment adds one test:
#
#   UNIT_TESTS += NAME
#   NAME_SRCS  := tests/unit/test_NAME.c hyp/lib/fdt.c ...   (host-compiled)
#   NAME_LIBS  := -lfdt                                       (besides -lcmocka)
#
# Host objects go to build/host/, tests to build/tests/unit/NAME.

UNIT_TESTS :=
include $(filter-out tests/unit/unit.mk,$(wildcard tests/unit/*.mk))

HOST_INC := -Ihyp -Itools/popek -Itests/unit

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HCFLAGS) $(if $(filter tests/%,$<),-Wno-missing-field-initializers) -DPOPEK_HOST $(HOST_INC) -c $< -o $@

define unit_rule
$(BUILD)/tests/unit/$(1): $$(patsubst %.c,$(BUILD)/host/%.o,$$($(1)_SRCS))
	@mkdir -p $$(dir $$@)
	$(HOSTCC) -o $$@ $$^ $$($(1)_LIBS) -lcmocka
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

UNIT_BINS := $(patsubst %,$(BUILD)/tests/unit/%,$(UNIT_TESTS))
ALL_TARGETS += $(UNIT_BINS)
