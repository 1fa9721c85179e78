/**
 * The default ArtifactStore: a directory. Writes are atomic (temp file + rename), so a retried activity that dies
 * mid-write never leaves a torn file behind. Workers on several machines share one store by pointing
 * `artifacts.dir` at a shared folder (NFS, SMB); the CLI never opens it, it asks a worker (client/artifacts.ts).
 */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ArtifactStore } from '../../ports/artifact-store';

export class LocalDirStore implements ArtifactStore {
  readonly location: string;

  constructor(dir: string) {
    this.location = path.resolve(dir);
  }

  private file(key: string): string {
    const full = path.resolve(this.location, key);
    if (full !== this.location && !full.startsWith(this.location + path.sep)) throw new Error(`artifact key escapes the store: ${key}`);
    return full;
  }

  async put(key: string, data: string | Uint8Array): Promise<string> {
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
    return key;
  }

  async get(key: string): Promise<Buffer> {
    return fs.readFile(this.file(key));
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.file(key));
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.file(prefix.endsWith('/') ? prefix : path.posix.dirname(prefix) + '/');
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.includes('.tmp-')) out.push(path.relative(this.location, full).split(path.sep).join('/'));
      }
    };
    await walk(base);
    return out.filter((k) => k.startsWith(prefix)).sort();
  }
}
