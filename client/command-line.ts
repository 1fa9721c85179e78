/** What every command shares: flag parsing and validation (one message per bad flag), config loading, output. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../lib/config';
import { loadConfig } from './config-loader';
import { withProjectDefaults } from './runtime';

/** A user error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export const out = (line = '') => process.stdout.write(line + '\n');
export const err = (line = '') => process.stderr.write(line + '\n');

const COMMON = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export function parseFlags<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Validates parsed flags; each problem names its flag (`--questions: ...`, `--corpus is required`). */
export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const flag = i.path.length ? `--${i.path.join('.')}` : 'argument';
      const missing = i.code === 'invalid_type' && /received undefined/.test(i.message);
      return missing ? `${flag} is required` : `${flag}: ${i.message}`;
    });
    throw new UsageError(issues.join('; '));
  }
  return r.data;
}

/** The configuration for a command: `--config` (or ./restact.config.json), the environment, then `overrides`. */
export function commandConfig(configPath: string | undefined, overrides: object = {}): Config {
  return withProjectDefaults(loadConfig({ configPath, overrides }));
}

export function requireIndex(dbPath: string): void {
  if (!fs.existsSync(dbPath)) {
    throw new UsageError(`No search index at ${dbPath}. Build one: restact index --corpus FILE.jsonl --db ${dbPath}`);
  }
}
