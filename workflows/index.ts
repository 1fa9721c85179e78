/** All workflows the worker registers. */
export { trajectoryWorkflow } from './trajectory';
