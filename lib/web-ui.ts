/** Links into the Temporal Web UI (pure, so workflows-free code and tests can share it). */

/** The history page of one workflow execution; without `runId` the UI shows the latest run. */
export function webUiWorkflowUrl(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = uiUrl.replace(/\/+$/, '');
  const ns = encodeURIComponent(namespace);
  return `${base}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}${runId ? '/' + encodeURIComponent(runId) : ''}/history`;
}
