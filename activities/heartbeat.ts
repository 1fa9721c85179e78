/**
 * Keeps an activity visibly alive while it waits (an LLM step queued for a free model sequence, a long ranking):
 * a worker that dies is then noticed within the heartbeat timeout instead of the whole start-to-close timeout.
 * Activities that report their own progress (the fine-tune) heartbeat that instead.
 */
import { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 5_000;

export async function heartbeatWhile<T>(fn: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}
