/**
 * The OpenAI-compatible adapter against a real llama.cpp server (xllamacpp, the embedded GGUF; see
 * test/helpers/llama-server.ts), on both APIs and in every constrained-decoding mode: every LLM step kind and the
 * ranker parse to their typed values where the mode constrains the output; `none` returns what the model wrote,
 * with the stop strings its API needs; vLLM's `guided_grammar`, which llama.cpp ignores, is one clear error.
 */
import { OpenAiChatModel } from '../../adapters/llm/openai-chat';
import { OpenAiLlmSchema } from '../../lib/config';
import { parseStepOutput, specFor, stepDefinition, SYSTEM_PROMPT } from '../../lib/agent/steps';
import { LLM_STEP_KINDS, type StepKind } from '../../lib/agent/types';
import { quoteOutput } from '../../lib/output-spec';
import { RANKER_MAX_TOKENS, RANKER_SYSTEM_PROMPT, renderRankerPrompt } from '../../lib/rest/ranker-prompt';
import { rankingSpec } from '../../lib/rest/ranking-spec';
import type { ChatResult } from '../../ports/chat-model';
import { NonRetryableError } from '../../ports/errors';
import { startLlamaServer, type LlamaServer } from '../helpers/llama-server';
import { STEP_SAMPLES } from '../helpers/step-samples';

jest.setTimeout(300_000);

type Api = 'completions' | 'chat';
type Mode = 'gbnf' | 'json_schema' | 'none' | 'guided_grammar';

let server: LlamaServer;

beforeAll(async () => {
  server = await startLlamaServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

function model(api: Api, mode: Mode): OpenAiChatModel {
  return new OpenAiChatModel(OpenAiLlmSchema.parse({ provider: 'openai', baseURL: server.baseURL, model: server.model, api, constrainedDecoding: mode }));
}

/**
 * One step as the activity sends it (activities/llm-step.ts) with the default `agent.grounding` ("evidence"):
 * system + program, the step's grammar built for this input, stop at the line end; parsed with the step's checks.
 */
async function runStep(m: OpenAiChatModel, kind: StepKind): Promise<{ result: ChatResult; parsed: ReturnType<typeof parseStepOutput> }> {
  const def = stepDefinition(kind);
  const input = STEP_SAMPLES[kind] as never;
  const spec = specFor(kind, input, 'evidence');
  const result = await m.generate({
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: def.render(input) },
    ],
    grammar: spec.grammar,
    temperature: 0,
    maxTokens: def.maxTokens,
    stop: ['\n'],
  });
  return { result, parsed: parseStepOutput(kind, input, result.text, 'evidence') };
}

/** What each step kind's typed value looks like. */
const CALLS: Record<StepKind, string[]> = {
  decision: ['Search', 'Terminate'],
  summary: ['Summary'],
  answer: ['Answer'],
  relevance_check: ['Check_Answer', 'Revise_Answer'],
  grounding_check: ['Check_Answer', 'Revise_Answer'],
};

function expectTyped(kind: StepKind, value: Record<string, unknown>): void {
  expect(CALLS[kind]).toContain(value.call);
  if (value.call === 'Search') expect(typeof value.query).toBe('string');
  if (value.call === 'Summary') {
    expect(typeof value.knowledge).toBe('string');
    expect(Array.isArray(value.used_results)).toBe(true);
  }
  if (value.call === 'Answer') expect(typeof value.text).toBe('string');
  if (value.call === 'Check_Answer') expect(typeof value.passed).toBe('boolean');
  if (value.call === 'Revise_Answer') expect(typeof value.revised_answer).toBe('string');
}

describe.each<[Api, Mode]>([
  ['completions', 'gbnf'],
  ['completions', 'json_schema'],
  ['chat', 'gbnf'],
  ['chat', 'json_schema'],
])('%s API, %s', (api, mode) => {
  const m = () => model(api, mode);

  test('every LLM step kind parses to its typed value', async () => {
    const adapter = m();
    for (const kind of LLM_STEP_KINDS) {
      const { result, parsed } = await runStep(adapter, kind);
      if (!parsed.ok) throw new Error(`${kind}: ${parsed.error}; the server returned ${quoteOutput(result.text)}`);
      expectTyped(kind, parsed.value as Record<string, unknown>);
      if (mode === 'json_schema') expect(result.text.trim().startsWith('{')).toBe(true);
    }
  });

  test('the ranker parses to its typed value', async () => {
    const spec = rankingSpec(2);
    const stepPrompt = stepDefinition('decision').render(STEP_SAMPLES.decision);
    const result = await m().generate({
      messages: [
        { role: 'system', content: RANKER_SYSTEM_PROMPT },
        { role: 'user', content: renderRankerPrompt({ stepKind: 'decision', stepPrompt, samples: ['Search(query="Scott Derrickson nationality")', 'Terminate()'] }) },
      ],
      grammar: spec.grammar,
      temperature: 0,
      maxTokens: RANKER_MAX_TOKENS,
    });
    const parsed = spec.parse(result.text);
    if (!parsed.ok) throw new Error(`ranker: ${parsed.error}; the server returned ${quoteOutput(result.text)}`);
    expect([...parsed.value.ranking].sort()).toEqual([1, 2]);
    expect(parsed.value.best).toBe(parsed.value.ranking[0]);
  });
});

describe.each<Api>(['completions', 'chat'])('%s API, none', (api) => {
  test('returns what the model wrote; a completion stops at the line end; parse errors quote the output', async () => {
    const adapter = model(api, 'none');
    for (const kind of LLM_STEP_KINDS) {
      const { result, parsed } = await runStep(adapter, kind);
      expect(result.completionTokens).toBeGreaterThan(0);
      if (api === 'completions') expect(result.text).not.toContain('\n');
      if (parsed.ok) expectTyped(kind, parsed.value as Record<string, unknown>);
      else if (result.text.trim()) expect(parsed.error).not.toBe('the output is empty');
    }
  });
});

test.each<Api>(['completions', 'chat'])('%s API, guided_grammar (vLLM only): one NonRetryableError naming the mode and the alternatives', async (api) => {
  const err = await runStep(model(api, 'guided_grammar'), 'decision').then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(NonRetryableError);
  expect(err.message).toContain('llm.constrainedDecoding "guided_grammar" has no effect on');
  expect(err.message).toContain('Use "gbnf" for a llama.cpp server');
});
