/**
 * Local files for tools that cannot read the artifact store (the LoRA trainer, llama.cpp loading an adapter):
 * artifacts are copied into a work directory on the worker's machine, mirrored by key, and outputs written there
 * are put back. The ArtifactStore port itself knows nothing of local paths, so any store (a shared directory, a
 * bucket) works behind it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../../ports/artifact-store';
import { NonRetryableError } from '../../ports/errors';

export class LocalCopies {
  readonly dir: string;

  constructor(private readonly store: ArtifactStore, dir: string) {
    this.dir = path.resolve(dir);
  }

  /** Where `key` is mirrored under the work directory. */
  pathOf(key: string): string {
    const full = path.resolve(this.dir, key);
    if (full !== this.dir && !full.startsWith(this.dir + path.sep)) throw new Error(`artifact key escapes the work directory: ${key}`);
    return full;
  }

  /** The key of an absolute path under the work directory; undefined for anything else (a model name, say). */
  keyOf(file: string): string | undefined {
    if (!path.isAbsolute(file)) return undefined;
    const rel = path.relative(this.dir, file);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined;
  }

  /** Copies one artifact to its local mirror (replacing an older copy); returns the local path. */
  async fetch(key: string): Promise<string> {
    const file = this.pathOf(key);
    if (!(await this.store.exists(key))) throw new NonRetryableError(`no artifact ${key} in the store (${this.store.location})`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await fs.writeFile(tmp, await this.store.get(key));
    await fs.rename(tmp, file);
    return file;
  }

  /** Copies every artifact under `prefix/`; returns the local folder. */
  async fetchAll(prefix: string): Promise<string> {
    for (const key of await this.store.list(prefix.replace(/\/?$/, '/'))) await this.fetch(key);
    return this.pathOf(prefix);
  }

  /** Puts every file under the local mirror of `prefix` back into the store (except those `skip` names); returns the keys. */
  async storeAll(prefix: string, skip: (relativePath: string) => boolean = () => false): Promise<string[]> {
    const root = this.pathOf(prefix);
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(dir, entry.name);
        const rel = path.relative(root, full).split(path.sep).join('/');
        if (skip(rel) || entry.name.includes('.tmp-')) continue;
        if (entry.isDirectory()) await walk(full);
        else keys.push(await this.store.put(`${prefix}/${rel}`, await fs.readFile(full)));
      }
    };
    await walk(root);
    return keys.sort();
  }
}
