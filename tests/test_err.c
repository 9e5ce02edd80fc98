/* test_err.c: the error convention (sim/err.h): codes and their texts, exit statuses,
 * and the one-line messages: control characters escaped; sim_err_at's
 * "FILE:LINE:COL: error: MESSAGE" cut by its parts when too long (a long FILE or a long
 * MESSAGE loses its middle, never the position or the start and end of the message). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim/err.h"

static void codes_and_statuses(void **state)
{
    (void)state;
    assert_string_equal(sim_strerror(0), "ok");
    assert_string_equal(sim_strerror(SIM_ENOMEM), "out of memory");
    assert_string_equal(sim_strerror(-999), "unknown error");
    assert_int_equal(sim_exit_status(0), 0);
    assert_int_equal(sim_exit_status(SIM_EINVAL), 2);
    assert_int_equal(sim_exit_status(SIM_EIO), 1);
    assert_int_equal(sim_exit_status(SIM_ENOMEM), 1);
}

static void control_characters_are_escaped(void **state)
{
    (void)state;
    char err[128];
    assert_int_equal(sim_err_set(err, sizeof err, SIM_EINVAL, "f:1:2: error: key '%s'",
                                 "a\nb\rc\x01\x7f\td"),
                     SIM_EINVAL);
    assert_string_equal(err, "f:1:2: error: key 'a\\nb\\rc\\x01\\x7f\td'");
}

/* A FILE of 3,000 characters: the line keeps FILE's start, ":7:9: error: " and the
 * whole message. */
static void long_file_keeps_position_and_message(void **state)
{
    (void)state;
    char file[3001], err[256];
    memset(file, 'd', sizeof file - 1);
    memcpy(file, "/start", 6);
    file[sizeof file - 1] = '\0';
    sim_err_at(err, sizeof err, SIM_EINVAL, file, 7, 9, "%s", "unknown key 'x'");
    assert_true(strlen(err) < sizeof err);
    assert_memory_equal(err, "/start", 6);
    assert_non_null(strstr(err, "...dd"));
    const char *tail = ":7:9: error: unknown key 'x'";
    assert_string_equal(err + strlen(err) - strlen(tail), tail);
}

/* A MESSAGE of 3,000 escaped characters (as quoted control bytes grow fourfold): the
 * position stays whole and the message keeps its start and its end. */
static void long_message_keeps_shape(void **state)
{
    (void)state;
    char quoted[751], err[256];
    memset(quoted, '\x13', sizeof quoted - 1);
    quoted[sizeof quoted - 1] = '\0';
    sim_err_set(err, sizeof err, SIM_EINVAL, "--set a=b:1:5: error: no key '%s' here",
                quoted);
    assert_int_equal(strlen(err), sizeof err - 1);
    const char *head = "--set a=b:1:5: error: no key '\\x13";
    assert_memory_equal(err, head, strlen(head));
    assert_non_null(strstr(err, "..."));
    const char *end = "\\x13' here";
    assert_string_equal(err + strlen(err) - strlen(end), end);
}

/* Both long (the fuzzers' finding: a --set argument of control bytes is quoted in the
 * file name and twice in the message, each byte growing fourfold): the line still
 * reads "FILE...:1:1: error: MESSAGE...END". */
static void long_file_and_message_keep_shape(void **state)
{
    (void)state;
    char arg[301], err[1024];
    memset(arg, '\x13', sizeof arg - 1);
    memcpy(arg, "s", 1);
    arg[sizeof arg - 1] = '\0';
    char file[320];
    snprintf(file, sizeof file, "--set %s", arg);
    sim_err_at(err, sizeof err, SIM_EINVAL, file, 1, 1, "no key '%s' at '%s'.", arg, arg);
    assert_memory_equal(err, "--set s\\x13", 11);
    const char *pos = strstr(err, ":1:1: error: no key 's\\x13");
    assert_non_null(pos);
    assert_true(pos - err <= (ptrdiff_t)(sizeof err / 2));
    const char *end = "\\x13'.";
    assert_string_equal(err + strlen(err) - strlen(end), end);
}

/* The set fuzzer's second finding: a FILE that itself holds ": error: " (a --set
 * argument can hold anything) must not move where the cut takes the position to be. */
static void file_holding_error_word_keeps_shape(void **state)
{
    (void)state;
    char file[400], msg[800], err[512];
    snprintf(file, sizeof file, "--set stages.x: error: %0300d", 0);
    memset(msg, 'm', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    sim_err_at(err, sizeof err, SIM_EINVAL, file, 1, 1, "no key '%s'", msg);
    const char *pos = strstr(err, ":1:1: error: no key 'mmm");
    assert_non_null(pos);
    assert_memory_equal(err, "--set stages.x: error: 000", 26);
    assert_string_equal(err + strlen(err) - 4, "mmm'");
    assert_true(strlen(err) < sizeof err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_and_statuses),
        cmocka_unit_test(control_characters_are_escaped),
        cmocka_unit_test(long_file_keeps_position_and_message),
        cmocka_unit_test(long_message_keeps_shape),
        cmocka_unit_test(long_file_and_message_keep_shape),
        cmocka_unit_test(file_holding_error_word_keeps_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
