/**
 * Search attributes that make runs findable in the Web UI. The embedded dev server starts with them; on another
 * server the CLI registers them when they are missing (client/runtime.ts). README "Watching runs" has the queries.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const QUESTION_ID = defineSearchAttributeKey('QuestionId', SearchAttributeType.KEYWORD);
export const OUTCOME = defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD);
export const CAMPAIGN_ID = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const ROUND_INDEX = defineSearchAttributeKey('RoundIndex', SearchAttributeType.INT);
export const PHASE = defineSearchAttributeKey('Phase', SearchAttributeType.KEYWORD);
/** The model ref a run used (`base`, an `artifact:` adapter, a fine-tuned model name); `default` = the worker's. */
export const MODEL = defineSearchAttributeKey('Model', SearchAttributeType.KEYWORD);
/** On a `restact rerun` trajectory: the workflow id of the run it repeats. */
export const RERUN_OF = defineSearchAttributeKey('RerunOf', SearchAttributeType.KEYWORD);

export const EVAL_ID = defineSearchAttributeKey('EvalId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [QUESTION_ID, OUTCOME, CAMPAIGN_ID, ROUND_INDEX, PHASE, MODEL, RERUN_OF, EVAL_ID];

/** The type name the Temporal CLI uses (`temporal server start-dev --search-attribute Name=Type`). */
export function cliTypeName(key: { name: string; type: SearchAttributeType }): 'Keyword' | 'Int' {
  if (key.type === SearchAttributeType.INT) return 'Int';
  if (key.type === SearchAttributeType.KEYWORD) return 'Keyword';
  throw new Error(`search attribute ${key.name}: no CLI type name for ${key.type}`);
}

/** The `Model` value of a run: its model ref, or `default` when the worker's configured model answers. */
export function modelLabel(ref: string | undefined): string {
  return ref || 'default';
}
