/* The switch of `--measure instructions`: callgrind's client requests, which are inline
 * assembly in valgrind's header and so cannot be issued from Python without a compiled helper.
 * Built once per header and compiler by ormbench.parent.callgrind, loaded by the worker through
 * ctypes. */
#include <valgrind/callgrind.h>

int ormbench_on_valgrind(void) { return RUNNING_ON_VALGRIND; }

/* Instrumenting flushes valgrind's translations, and so does stopping: a window holds all the
 * counted calls of one benchmark. */
void ormbench_instrument(void) { CALLGRIND_START_INSTRUMENTATION; }

void ormbench_uninstrument(void) { CALLGRIND_STOP_INSTRUMENTATION; }

/* callgrind's running totals, written to valgrind's log before this returns (no debugger is
 * attached): cheap, where a dump walks every cost centre the process made. */
int ormbench_status(void) { return VALGRIND_MONITOR_COMMAND("status internal"); }
