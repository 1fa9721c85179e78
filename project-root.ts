/**
 * Where the project's own files are (the embedded model, the sample data, the trainer, the Temporal CLI in .venv),
 * for code that may run from the sources or from dist/. Reads the filesystem: workflows never import it.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The nearest directory above `from` with restact's package.json; the working directory if none. */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'restact') return dir;
    } catch {
      // no or unreadable package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) return process.cwd();
  }
}
