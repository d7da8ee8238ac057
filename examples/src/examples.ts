/**
 * The list of examples, and the one normalisation applied to an example's
 * output and to its Python twin's before they are compared (by
 * `run-all.ts --compare`, by `record-python.ts` when it records the twins'
 * output into `fixtures/python-output/`, and by `test/examples.test.ts`).
 */

/** The examples, in the order they run: `src/<name>.ts`, twin `python/<name>.py`. */
export const EXAMPLES: readonly string[] = [
  'hello-world-call-soon',
  'display-date-call-later',
  'cancel-task',
  'task-group-timeout',
  'queue-workers',
  'executor-hash',
  'tcp-echo-protocol',
  'tcp-echo-streams',
  'udp-echo',
  'tls-echo',
  'watch-fd-read',
  'selector-event-loop',
  'open-socket-protocol',
  'open-socket-streams',
  'signal-handlers',
  'subprocess-shell',
  'subprocess-communicate',
  'third-party-loop',
  'chat-server',
];

/** `str(datetime.now())`: `YYYY-MM-DD HH:MM:SS` and, unless the microseconds are 0, `.ffffff`. */
const DATETIME = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?/g;

/**
 * What of an output is compared: every line as printed, except dates and
 * times, which are compared by shape (each becomes `<datetime>`), since two
 * runs never print the same clock. Addresses are printed without their port
 * and no example prints a duration it measured, so nothing else varies.
 */
export function normalise(output: string): string {
  return output.replace(DATETIME, '<datetime>');
}
