/** Links into the Temporal Web UI. */
import type { Config } from '../lib/config';

/** The history page of one workflow execution; without `runId` the UI shows the latest run. */
export function webUiWorkflowUrl(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = uiUrl.replace(/\/+$/, '');
  const ns = encodeURIComponent(namespace);
  return `${base}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}${runId ? '/' + encodeURIComponent(runId) : ''}/history`;
}

/**
 * The Web UI of a configured server: `temporal.webUiUrl`, else, for a server on this machine (`restact dev`), the
 * dev server's UI port from the config; a remote server without `webUiUrl` has no known UI.
 */
export function defaultUiUrl(config: Config, address: string): string | undefined {
  if (config.temporal.webUiUrl) return config.temporal.webUiUrl.replace(/\/+$/, '');
  const host = address.split(':')[0];
  return host === 'localhost' || host === '127.0.0.1' ? `http://localhost:${config.temporal.devServer.uiPort}` : undefined;
}
