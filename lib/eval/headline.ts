/** A campaign round's held-out score from its evaluation. Type-only imports: workflows use it. Pure. */
import type { EvalScore } from '../rest/progress';
import type { EvalOutcome } from './report';

/** A campaign round's held-out score, from its evaluation (the first model of it). */
export function headlineScore(outcome: EvalOutcome): EvalScore {
  const m = outcome.models[0];
  const ci = (k: string) => ({ low: m.metrics[k].low, high: m.metrics[k].high });
  return {
    n: m.questions,
    answered: Math.round((m.metrics.answered.value ?? 0) * m.questions),
    em: m.metrics.em.value ?? 0,
    f1: m.metrics.f1.value ?? 0,
    autoEval: m.metrics.autoEval.value ?? 0,
    ci: { autoEval: ci('autoEval'), em: ci('em'), f1: ci('f1') },
    judge: `${outcome.judge.label}${outcome.judge.weak ? ' (weak)' : ''}`,
    report: outcome.files.markdown,
    paired: outcome.paired,
  };
}
