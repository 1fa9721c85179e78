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
