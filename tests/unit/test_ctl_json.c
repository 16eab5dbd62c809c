/*
 * The control socket's request parser (tools/popek/ctl_json.c): a table of
 * lines with the request or the error each must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_json.h"

static const struct {
	const char *line;
	const char *error; /* NULL: accepted, as cmd, vm, id below */
	const char *cmd, *vm;
	int64_t id; /* -1: none */
} cases[] = {
    {"{\"cmd\":\"list\"}", NULL, "list", "", -1},
    {" { \"cmd\" : \"pause\" , \"vm\" : \"tick\" , \"id\" : 7 } ", NULL, "pause", "tick", 7},
    {"{\"vm\":\"a\\u0062c\",\"cmd\":\"reset\"}", NULL, "reset", "abc", -1},
    {"{\"cmd\":\"x\\\"y\\\\z\\/\"}", NULL, "x\"y\\z/", "", -1},
    {"{\"cmd\":\"list\",\"id\":9007199254740992}", NULL, "list", "", 9007199254740992LL},
    {"", "a request is a JSON object"},
    {"[]", "a request is a JSON object"},
    {"{}", "no cmd"},
    {"{\"cmd\":", "expected a string"},
    {"{\"cmd\":\"list\"", "expected ',' or '}'"},
    {"{\"cmd\":\"list\"} x", "bytes after the object"},
    {"{\"cmd\":\"list\",\"cmd\":\"stop\"}", "duplicate key"},
    {"{\"cmd\":\"list\",\"force\":true}",
     "unknown key (cmd, vm, id, key, with, x, y and buttons are known)"},
    {"{\"cmd\":\"key\",\"vm\":\"a\",\"key\":30}", NULL, "key", "a", -1},
    {"{\"cmd\":\"key\",\"key\":30,\"key\":31}", "duplicate key"},
    {"{\"cmd\":\"key\",\"key\":-3}", "key must be a non-negative integer"},
    {"{\"cmd\":\"key\",\"key\":\"a\"}", "key must be a non-negative integer"},
    {"{\"cmd\":\"key\",\"vm\":\"a\",\"key\":30,\"with\":42}", NULL, "key", "a", -1},
    {"{\"cmd\":\"key\",\"with\":42,\"with\":42}", "duplicate key"},
    {"{\"cmd\":\"key\",\"with\":true}", "with must be a non-negative integer"},
    {"{\"cmd\":\"pointer\",\"vm\":\"a\",\"x\":1,\"y\":2,\"buttons\":1}", NULL, "pointer", "a", -1},
    {"{\"cmd\":\"pointer\",\"x\":1,\"x\":2}", "duplicate key"},
    {"{\"cmd\":\"pointer\",\"y\":-1}", "y must be a non-negative integer"},
    {"{\"cmd\":\"pointer\",\"buttons\":1.5}", "buttons must be a non-negative integer"},
    {"{\"cmd\":\"list\",\"id\":1,\"id\":2}", "duplicate key"},
    {"{\"cmd\":1}", "expected a string"},
    {"{\"cmd\":\"list\",\"vm\":{\"a\":1}}", "expected a string"},
    {"{\"cmd\":\"list\",\"id\":-1}", "id must be a non-negative integer"},
    {"{\"cmd\":\"list\",\"id\":1.5}", "id must be a non-negative integer"},
    {"{\"cmd\":\"list\",\"id\":01}", "id must be a non-negative integer"},
    {"{\"cmd\":\"list\",\"id\":9007199254740993}", "id out of range"},
    {"{\"cmd\":\"a\\u0000\"}", "\\u escape outside ASCII"},
    {"{\"cmd\":\"\\u00e9\"}", "\\u escape outside ASCII"},
    {"{\"cmd\":\"\\x\"}", "bad escape in a string"},
    {"{\"cmd\":\"a\tb\"}", "control character in a string"},
    {"{\"cmd\":\"0123456789012345678901234567890123456789012345678901234567890123\"}",
     "string too long"},
};

/* The key and with members reach the request. */
static void test_key(void **state)
{
	struct ctl_request r;
	const char *line = "{\"cmd\":\"key\",\"vm\":\"a\",\"key\":30}";

	(void)state;
	assert_null(ctl_request_parse(line, strlen(line), &r));
	assert_true(r.has_key);
	assert_int_equal(r.key, 30);
	assert_false(r.has_with);
	line = "{\"cmd\":\"key\",\"vm\":\"a\",\"with\":42,\"key\":4}";
	assert_null(ctl_request_parse(line, strlen(line), &r));
	assert_true(r.has_key && r.has_with);
	assert_int_equal(r.key, 4);
	assert_int_equal(r.with, 42);
	line = "{\"cmd\":\"pointer\",\"vm\":\"a\",\"y\":480,\"x\":640}";
	assert_null(ctl_request_parse(line, strlen(line), &r));
	assert_true(r.has_x && r.has_y && !r.has_buttons && !r.has_key);
	assert_int_equal(r.x, 640);
	assert_int_equal(r.y, 480);
	line = "{\"cmd\":\"list\"}";
	assert_null(ctl_request_parse(line, strlen(line), &r));
	assert_false(r.has_key);
}

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_request r;
		const char *why = ctl_request_parse(cases[i].line, strlen(cases[i].line), &r);
		if (cases[i].error) {
			assert_non_null(why);
			assert_string_equal(why, cases[i].error);
			continue;
		}
		if (why)
			fail_msg("case %zu (%s): %s", i, cases[i].line, why);
		assert_string_equal(r.cmd, cases[i].cmd);
		assert_string_equal(r.vm, cases[i].vm);
		assert_int_equal(r.has_id, cases[i].id >= 0);
		if (cases[i].id >= 0)
			assert_int_equal(r.id, (uint64_t)cases[i].id);
	}
}

/* A NUL inside the line is refused, not taken for its end. */
static void test_nul(void **state)
{
	(void)state;
	struct ctl_request r;
	static const char line[] = "{\"cmd\":\"list\"}\0{";
	assert_string_equal(ctl_request_parse(line, sizeof(line) - 1, &r),
	                    "NUL byte in the request");
}

static void test_out(void **state)
{
	(void)state;
	char buf[24];
	struct ctl_out o;
	ctl_out_init(&o, buf, sizeof(buf));
	ctl_out_raw(&o, "{\"e\":");
	ctl_out_str(&o, "a\"b\n");
	ctl_out_raw(&o, "}");
	assert_false(o.overflow);
	assert_string_equal(buf, "{\"e\":\"a\\\"b\\u000a\"}");
	ctl_out_str(&o, "much too long for what is left");
	assert_true(o.overflow);
	assert_string_equal(buf, "{\"e\":\"a\\\"b\\u000a\"}"); /* unchanged */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
