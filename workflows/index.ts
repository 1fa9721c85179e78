/** All workflows the worker registers (their names are their workflow types: keep them stable). */
export { trajectoryWorkflow } from './trajectory';
export { campaignWorkflow } from './campaign';
export { restRoundWorkflow } from './round';
export { collectBatchWorkflow } from './collect-batch';
export { readArtifactWorkflow, writeArtifactWorkflow } from './artifacts';
export { evalWorkflow } from './eval';
export { calibrateWorkflow } from './calibrate';
