/** What each ReST round does, from the campaign settings. Pure and zod-free: workflows import it. */
import type { CampaignSettings } from './campaign-settings';

/** Trajectories per question in round `round` (the last configured value repeats for later rounds). */
export function samplesForRound(settings: Pick<CampaignSettings, 'samplesPerQuestion'>, round: number): number {
  const list = settings.samplesPerQuestion;
  return list[Math.min(round, list.length - 1)];
}
