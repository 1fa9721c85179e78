import { ConfigSchema } from '../../lib/config';
import { defaultUiUrl } from '../../client/web-ui';

test("a local server's Web UI link uses the configured dev server UI port, not a fixed 8233", () => {
  const config = ConfigSchema.parse({ temporal: { address: '127.0.0.1:7233', devServer: { uiPort: 9321 } } });
  expect(defaultUiUrl(config, '127.0.0.1:7233')).toBe('http://localhost:9321');
  expect(defaultUiUrl(ConfigSchema.parse({}), 'localhost:7233')).toBe('http://localhost:8233');
  // A remote server has no known UI unless configured.
  expect(defaultUiUrl(ConfigSchema.parse({}), 'temporal.example.com:7233')).toBeUndefined();
  expect(defaultUiUrl(ConfigSchema.parse({ temporal: { webUiUrl: 'https://ui.example.com/' } }), 'temporal.example.com:7233')).toBe('https://ui.example.com');
});
