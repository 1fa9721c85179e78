/**
 * The longest prompts the agent can render under given settings, so a model's context can be sized to them
 * (the embedded model's memory grows with the context it reserves) and a too-small context is refused at start
 * rather than failing mid-trajectory. Pure: renders the real step prompts with worst-case inputs.
 */
import { LLM_STEP_KINDS, stepDefinition } from './steps';
import type { PastAction, SearchResultView, StepInputs, StepKind } from './steps';
import { RANKER_MAX_TOKENS, renderRankerPrompt } from '../ranking';
import type { PromptBudget } from '../../ports/chat-model';


export interface BudgetSettings {
  maxSearches: number;
  topK: number;
  snippetChars: number;
}

/** Longer than any HotpotQA or Bamboogle question (dev50's longest is 162 characters). */
export const WORST_QUESTION_CHARS = 300;
/** The grammar bounds of the step outputs that later prompts quote (lib/agent/steps.ts). */
const QUERY_CHARS = 120;
const KNOWLEDGE_CHARS = 300;
const ANSWER_CHARS = 120;
const TITLE_CHARS = 80;
/** Ranked samples per step that the budget allows for (the campaign's `stepSamples` is at most 8). */
export const WORST_RANKED_SAMPLES = 8;

/**
 * Filler in the style of the corpus (encyclopedic prose with names, dates and numbers), which tokenizes like
 * real snippets do; a repeated letter would squeeze into a few tokens and under-count.
 */
const FILLER =
  'The Kiss and Tell (1945) film starring Shirley Temple as Corliss Archer was directed by Richard Wallace; ' +
  'Temple later served as United States Ambassador to Ghana (1974-1976) and Czechoslovakia, and as Chief of ' +
  'Protocol. Born on 23 April 1928 in Santa Monica, California, she appeared in 43 feature films. ';

function text(chars: number, salt: number): string {
  let out = '';
  for (let i = salt; out.length < chars; i++) out += FILLER.slice(i % 17) + ' ';
  return out.slice(0, chars);
}

function worstInputs(s: BudgetSettings): { [K in StepKind]: StepInputs[K] } {
  const question = text(WORST_QUESTION_CHARS, 1);
  const pastActions: PastAction[] = Array.from({ length: s.maxSearches }, (_, i) => ({ query: text(QUERY_CHARS, i + 2), knowledge: text(KNOWLEDGE_CHARS, i + 5) }));
  const results: SearchResultView[] = Array.from({ length: s.topK }, (_, i) => ({ title: text(TITLE_CHARS, i + 3), snippet: text(s.snippetChars, i + 7) }));
  const answer = text(ANSWER_CHARS, 4);
  return {
    decision: { question, pastActions, remainingSearches: s.maxSearches },
    summary: { question, query: text(QUERY_CHARS, 6), results },
    answer: { question, pastActions },
    relevance_check: { question, pastActions, answer },
    grounding_check: { question, pastActions, answer },
  };
}

/** The agent's worst-case prompt for every LLM step, plus the ranker's over the longest step. */
export function worstCasePrompts(settings: BudgetSettings): PromptBudget[] {
  const inputs = worstInputs(settings);
  const steps = LLM_STEP_KINDS.map((kind) => {
    const def = stepDefinition(kind);
    // A repair note quotes the rejected output: allow for one of the longest.
    const note = `The previous attempt was not valid (${text(200, 9)}). Write ${def.spec.formatHint}.`;
    return { kind: kind as string, prompt: def.render(inputs[kind] as never, [note]), maxTokens: def.maxTokens };
  });
  const longest = steps.reduce((a, b) => (b.prompt.length > a.prompt.length ? b : a));
  const samples = Array.from({ length: WORST_RANKED_SAMPLES }, (_, i) => text(KNOWLEDGE_CHARS + 40, i + 11));
  const ranking = { kind: 'ranking', prompt: renderRankerPrompt({ stepKind: longest.kind as StepKind, stepPrompt: longest.prompt, samples }), maxTokens: RANKER_MAX_TOKENS };
  return [...steps, ranking];
}
