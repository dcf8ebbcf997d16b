/** How long one call into a learner's program may run, in the worker (its deadline checks) and on the page (its watchdog's margin). */
export const CALL_MS_MAX = 1000;
