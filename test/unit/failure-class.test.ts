/** Failure classes (lib/failure-class.ts) and the per-attempt failure ledger of LLM activities (activities/failure-ledger.ts). */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { FailureLedger, withFailureLedger } from '../../activities/failure-ledger';
import { tallyFailures } from '../../activities/tally-failures';
import { LocalDirStore } from '../../adapters/store/local-dir-store';
import { addFailureCounts, classifyFailure, formatFailureCounts, httpFailureClass, totalFailures, withFailureClass } from '../../lib/failure-class';
import { parseStepOutput } from '../../lib/agent/steps';
import type { ChatModelProvider, ChatRequest, ChatResult } from '../../ports/chat-model';
import { tempDir } from '../helpers/temporal';

test('errors carry their class; untagged ones are "other"', () => {
  expect(classifyFailure(withFailureClass(new Error('x'), 'timeout'))).toBe('timeout');
  expect(classifyFailure(new Error('x'))).toBe('other');
  expect(classifyFailure(Object.assign(new Error('x'), { failureClass: 'made-up' }))).toBe('other');
  expect(classifyFailure(undefined)).toBe('other');
  expect([429, 408, 500, 503, 400, 401, 404, 409].map(httpFailureClass)).toEqual(['rate_limited', 'timeout', 'server_error', 'server_error', 'rejected', 'rejected', 'rejected', 'other']);
});

test('counts add up class by class and print in a fixed order', () => {
  const sum = addFailureCounts({ timeout: 1, rate_limited: 2 }, { timeout: 2, empty_completion: 1 });
  expect(sum).toEqual({ timeout: 3, rate_limited: 2, empty_completion: 1 });
  expect(totalFailures(sum)).toBe(6);
  expect(formatFailureCounts(sum)).toBe('2 rate_limited, 3 timeout, 1 empty_completion');
  expect(formatFailureCounts({})).toBe('none');
  expect(formatFailureCounts(undefined)).toBe('none');
});

/** A provider whose model answers from a list: text, or an error to throw. */
function scripted(replies: Array<string | Error>): ChatModelProvider {
  const result = (text: string): ChatResult => ({ text, promptTokens: 1, completionTokens: 1, finishReason: 'stop', model: 'm' });
  return {
    get: async () => ({
      generate: async () => {
        const next = replies.shift()!;
        if (next instanceof Error) throw next;
        return result(next);
      },
    }),
    close: async () => undefined,
  };
}

const request: ChatRequest = { messages: [{ role: 'user', content: 'action = ' }], temperature: 0, maxTokens: 8 };
const input = { question: 'q?', pastActions: [], remainingSearches: 3 };

test('a ledger counts thrown errors by class, empty completions, and outputs the parser rejects', async () => {
  const ledger = new FailureLedger((_, text) => parseStepOutput('decision', input, text).ok);
  const model = await ledger.watch(scripted([withFailureClass(new Error('429'), 'rate_limited'), '', '  ', 'Search(query=', 'Terminate()', new Error('?')])).get();
  await expect(model.generate(request)).rejects.toThrow('429');
  await model.generate(request);
  await model.generate(request);
  await model.generate(request);
  await expect(model.generate(request)).resolves.toMatchObject({ text: 'Terminate()' });
  await expect(model.generate(request)).rejects.toThrow('?');
  expect(ledger.counts).toEqual({ rate_limited: 1, empty_completion: 2, unparsable_output: 1, other: 1 });
});

test('each attempt stores its ledger, failed or not; a tally adds up a batch', async () => {
  const store = new LocalDirStore(tempDir('ledger'));
  const run = (attempt: number, replies: Array<string | Error>) =>
    new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') }).run(async () => {
      const ledger = new FailureLedger();
      const model = await ledger.watch(scripted(replies)).get();
      return withFailureLedger(store, { trajectoryId: 'b.traj-q1-0', activity: '00-decision' }, ledger, () => model.generate(request));
    });
  await expect(run(1, [withFailureClass(new Error('boom'), 'server_error')])).rejects.toThrow('boom');
  await run(2, ['', 'x']); // an empty completion, then (say) a repair
  await run(3, ['fine']); // nothing to record
  expect(await store.list('trajectories/b.traj-q1-0/failures/')).toEqual([
    'trajectories/b.traj-q1-0/failures/00-decision.attempt-1.json',
    'trajectories/b.traj-q1-0/failures/00-decision.attempt-2.json',
  ]);
  expect(await tallyFailures({ store }, { workflowIds: ['b.traj-q1-0', 'b.traj-q2-0'] })).toEqual({ server_error: 1, empty_completion: 1 });
});
