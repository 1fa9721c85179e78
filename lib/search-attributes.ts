/** Search attributes that make runs findable in the Web UI. Registered when the embedded dev server starts. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const QUESTION_ID = defineSearchAttributeKey('QuestionId', SearchAttributeType.KEYWORD);
export const OUTCOME = defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD);
export const CAMPAIGN_ID = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const ROUND_INDEX = defineSearchAttributeKey('RoundIndex', SearchAttributeType.INT);
export const PHASE = defineSearchAttributeKey('Phase', SearchAttributeType.KEYWORD);
export const EVAL_ID = defineSearchAttributeKey('EvalId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [QUESTION_ID, OUTCOME, CAMPAIGN_ID, ROUND_INDEX, PHASE, EVAL_ID];
