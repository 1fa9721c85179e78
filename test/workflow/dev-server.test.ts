import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, startDevServer, type DevServer } from '../../client/dev-server';

/** temporal.api.enums.v1.IndexedValueType values (the proto package is not a direct dependency). */
const INDEXED_VALUE_TYPE: Record<string, number> = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('starts on free ports, serves gRPC, the UI and the search attributes, then stops', async () => {
  let server: DevServer | undefined;
  try {
    server = await startDevServer({ port: 0, uiPort: 0 });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const pid = server.pid!;
    expect(isAlive(pid)).toBe(true);

    const connection = await Connection.connect({ address: server.address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: server.namespace });
      for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
        expect([name, customAttributes?.[name]]).toEqual([name, INDEXED_VALUE_TYPE[type]]);
      }
    } finally {
      await connection.close();
    }

    const res = await fetch(server.uiUrl);
    expect(res.status).toBe(200);

    await server.stop();
    server = undefined;
    expect(isAlive(pid)).toBe(false);
  } finally {
    await server?.stop();
  }
}, 30_000);

test('a server that answers on the preferred port but is not the one started is not taken for it', async () => {
  // The race of two commands starting at once: both find the preferred port free, the other's server binds it,
  // this one's fails to bind and exits. Here "this one" is a stand-in CLI that never binds and exits after 4 s.
  const probe = await startDevServer({ port: 0, uiPort: 0 });
  const port = Number(probe.address.split(':')[1]);
  const uiPort = Number(new URL(probe.uiUrl).port);
  await probe.stop();
  await new Promise((r) => setTimeout(r, 2000)); // the ports free again
  const fakeCli = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fake-temporal-')), 'temporal');
  fs.writeFileSync(fakeCli, '#!/bin/sh\nsleep 4\nexit 1\n', { mode: 0o755 });
  const loser = startDevServer({ port, uiPort, cliPath: fakeCli }).then((s) => s, (e: Error) => e);
  await new Promise((r) => setTimeout(r, 500)); // after the loser's own check of the ports (it binds them briefly)
  const winner = await startDevServer({ port, uiPort });
  expect(winner.address).toBe(`127.0.0.1:${port}`);
  try {
    const outcome = await loser;
    // Before: it returned the winner's address as its own, and its command ran on a server that was not its own.
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/exited \(code 1/);
  } finally {
    await winner.stop();
  }
}, 120_000);
