/** All workflows the worker registers. */
export { trajectoryWorkflow } from './trajectory';
export { campaignWorkflow, restRoundWorkflow, collectBatchWorkflow } from './rest';
export { evalWorkflow } from './eval';
