/**
 * Counts the failed model calls of one activity attempt by class (lib/failure-class.ts): errors the adapter threw,
 * empty completions, and outputs the caller's parser rejects. The counts are stored under the trajectory at the end
 * of the attempt, whether it succeeded or not, so a batch can add up every failure (tally-failures.ts), including
 * those of attempts that failed and were retried, which no step record keeps.
 */
import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../ports/artifact-store';
import { putJson } from '../ports/artifact-store';
import type { ChatModel, ChatModelProvider, ChatRequest } from '../ports/chat-model';
import { classifyFailure, totalFailures, type FailureClass, type FailureCounts } from '../lib/failure-class';
import { failureLedgerKey } from '../lib/artifact-keys';

export interface LedgerEntry {
  activity: string;
  attempt: number;
  counts: FailureCounts;
}

export class FailureLedger {
  readonly counts: FailureCounts = {};

  /** @param accepts whether the caller's parser takes a completion (non-empty text it rejects is `unparsable_output`). */
  constructor(private readonly accepts?: (request: ChatRequest, text: string) => boolean) {}

  note(failureClass: FailureClass): void {
    this.counts[failureClass] = (this.counts[failureClass] ?? 0) + 1;
  }

  /** The provider, with every model it hands out counting its failures here. */
  watch(provider: ChatModelProvider): ChatModelProvider {
    return { get: async (ref) => this.watchModel(await provider.get(ref)), close: () => provider.close() };
  }

  private watchModel(model: ChatModel): ChatModel {
    return {
      generate: async (request) => {
        let result;
        try {
          result = await model.generate(request);
        } catch (err) {
          this.note(classifyFailure(err));
          throw err;
        }
        if (!result.text.trim()) this.note('empty_completion');
        else if (this.accepts && !this.accepts(request, result.text)) this.note('unparsable_output');
        return result;
      },
      ...(model.score && {
        score: async (request) => {
          try {
            return await model.score!(request);
          } catch (err) {
            this.note(classifyFailure(err));
            throw err;
          }
        },
      }),
    };
  }
}

/**
 * Runs one activity attempt with a ledger on its model provider, and stores the ledger (when it counted anything)
 * under `trajectoryId` as `<activity>.attempt-<k>`.
 */
export async function withFailureLedger<T>(
  store: ArtifactStore,
  where: { trajectoryId: string; activity: string },
  ledger: FailureLedger,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } finally {
    if (totalFailures(ledger.counts)) {
      const attempt = Context.current().info.attempt;
      const entry: LedgerEntry = { activity: where.activity, attempt, counts: ledger.counts };
      // Best effort: losing a count must not fail (or mask the failure of) the attempt.
      await putJson(store, failureLedgerKey(where.trajectoryId, where.activity, attempt), entry).catch(() => undefined);
    }
  }
}
