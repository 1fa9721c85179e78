/**
 * Workflow histories as proto JSON, the format of `temporal workflow show --output json` and the Web UI's download.
 *
 * The SDK's `historyToJSON`/`historyFromJSON` (@temporalio/common/lib/proto-utils) fail with "type must be a Type"
 * when npm installs @temporalio/common and @temporalio/proto with separate copies of protobufjs (as it does here: the
 * root holds protobufjs 7 for another package): the converter checks types against its own copy. This module uses
 * the converter of the copy that built @temporalio/proto's types, whichever way npm laid them out. The enum spelling
 * fixes (`WorkflowExecutionStarted` -> `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED`, older Web UI downloads) are the SDK's.
 */
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;
type Json = Record<string, unknown>;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history as Json)), null, 2);
}

const constantCase = (s: string) => s.replace(/[^\b][A-Z]/g, (m) => `${m[0]}_${m[1]}`).toUpperCase();
const fixEnum = (obj: Json, attr: string, prefix: string) =>
  typeof obj[attr] === 'string' ? { [attr]: (obj[attr] as string).startsWith(prefix) ? obj[attr] : `${prefix}_${constantCase(obj[attr] as string)}` } : {};

function fixEvent(e: Json): Json {
  const key = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
  if (!key) throw new TypeError(`a history event without attributes: ${JSON.stringify(e).slice(0, 200)}`);
  const a = e[key] as Json;
  const failureInfo = a.childWorkflowExecutionFailureInfo as Json | undefined;
  return {
    ...e,
    ...fixEnum(e, 'eventType', 'EVENT_TYPE'),
    [key]: {
      ...a,
      ...(a.taskQueue ? { taskQueue: { ...(a.taskQueue as Json), ...fixEnum(a.taskQueue as Json, 'kind', 'TASK_QUEUE_KIND') } } : {}),
      ...fixEnum(a, 'parentClosePolicy', 'PARENT_CLOSE_POLICY'),
      ...fixEnum(a, 'workflowIdReusePolicy', 'WORKFLOW_ID_REUSE_POLICY'),
      ...fixEnum(a, 'initiator', 'CONTINUE_AS_NEW_INITIATOR'),
      ...fixEnum(a, 'retryState', 'RETRY_STATE'),
      ...(failureInfo ? { childWorkflowExecutionFailureInfo: { ...failureInfo, ...fixEnum(failureInfo, 'retryState', 'RETRY_STATE') } } : {}),
    },
  };
}

export function historyFromJson(json: { events: Json[] }): History {
  const history = protojson.fromJson(historyType, { events: json.events.map(fixEvent) }, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a workflow history');
  return history as History;
}
