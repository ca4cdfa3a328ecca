/* The switch of `--measure instructions`: callgrind's client requests, which are inline
 * assembly in valgrind's header and so cannot be issued from Python without a compiled helper.
 * Built once per header and compiler by bench.callgrind, loaded by the worker through ctypes. */
#include <valgrind/callgrind.h>

int ormbench_on_valgrind(void) { return RUNNING_ON_VALGRIND; }

/* Instrumenting flushes valgrind's translations, and so does stopping: a window holds all the
 * counted calls of one benchmark, each counted from zero to its own dump. */
void ormbench_instrument(void) { CALLGRIND_START_INSTRUMENTATION; }

void ormbench_uninstrument(void) { CALLGRIND_STOP_INSTRUMENTATION; }

void ormbench_zero(void) { CALLGRIND_ZERO_STATS; }

/* The dump is written before this returns: the worker reads its totals right after. */
void ormbench_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
