/** Scripts for the ScriptedModel that more than one test (and the fixture recorder) use. */
import type { ScriptEntry } from './scripted-model';

/** Two searches (Scott Derrickson, Ed Wood), then Terminate, an answer and two passed checks. */
export const TWO_SEARCHES: Record<string, ScriptEntry[]> = {
  decision: ['Search(query="Scott Derrickson nationality")', 'Search(query="Ed Wood nationality")', 'Terminate()'],
  summary: [
    'Summary(knowledge="Scott Derrickson is an American director.", used_results=[1])',
    'Summary(knowledge="Ed Wood was an American filmmaker.", used_results=[1, 2])',
  ],
  answer: ['Answer(text="yes")'],
  relevance_check: ['Check_Answer(passed=True)'],
  grounding_check: ['Check_Answer(passed=True)'],
};

/** A search, then a query the index has no passage for: the search phase ends there ('stop-when-nothing-new'). */
export const NOTHING_NEW_SEARCH: Record<string, ScriptEntry[]> = {
  decision: ['Search(query="Scott Derrickson nationality")', 'Search(query="xyzzyq plughq")'],
  summary: ['Summary(knowledge="Scott Derrickson is an American director.", used_results=[1])'],
  answer: ['Answer(text="yes")'],
  relevance_check: ['Check_Answer(passed=True)'],
  grounding_check: ['Check_Answer(passed=True)'],
};
