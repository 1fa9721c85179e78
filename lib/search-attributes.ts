/**
 * Search attributes that make runs findable in the Web UI. The embedded dev server starts with them; on another
 * server the CLI registers them when they are missing (client/runtime.ts).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const QUESTION_ID = defineSearchAttributeKey('QuestionId', SearchAttributeType.KEYWORD);
export const OUTCOME = defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD);
export const CAMPAIGN_ID = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const ROUND_INDEX = defineSearchAttributeKey('RoundIndex', SearchAttributeType.INT);
export const PHASE = defineSearchAttributeKey('Phase', SearchAttributeType.KEYWORD);
export const EVAL_ID = defineSearchAttributeKey('EvalId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [QUESTION_ID, OUTCOME, CAMPAIGN_ID, ROUND_INDEX, PHASE, EVAL_ID];

/** The type name the Temporal CLI uses (`temporal server start-dev --search-attribute Name=Type`). */
export function cliTypeName(key: { name: string; type: SearchAttributeType }): 'Keyword' | 'Int' {
  if (key.type === SearchAttributeType.INT) return 'Int';
  if (key.type === SearchAttributeType.KEYWORD) return 'Keyword';
  throw new Error(`search attribute ${key.name}: no CLI type name for ${key.type}`);
}
