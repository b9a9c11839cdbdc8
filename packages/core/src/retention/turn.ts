/**
 * Gives the event loop a turn. The embedded database (PGlite) answers
 * queries without ever yielding to it, so in a long run of batches no timer
 * fires and no signal is seen: a Ctrl-C, a job's lease renewal or a server's
 * shutdown would wait for the whole sweep. Each batch starts with a turn; on
 * PostgreSQL it costs microseconds against a batch's milliseconds.
 */
export function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
