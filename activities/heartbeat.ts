/**
 * Keeps an activity visibly alive while it works (an LLM step queued for a free model sequence, a long ranking, a
 * fine-tune between two progress reports): a worker that dies is then noticed within the heartbeat timeout (30 s)
 * instead of the whole start-to-close timeout. An activity shorter than one interval never sends a heartbeat.
 * `details` gives what each heartbeat carries (the fine-tune's last progress, which a retry resumes from).
 */
import { Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 5_000;

export async function heartbeatWhile<T>(fn: () => Promise<T>, details?: () => unknown): Promise<T> {
  const context = Context.current();
  if (context.info.isLocal) return fn(); // a local activity has no heartbeat: the SDK keeps its workflow task alive
  const beat = setInterval(() => context.heartbeat(details?.()), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}
