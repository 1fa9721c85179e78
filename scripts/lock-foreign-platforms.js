#!/usr/bin/env node
// node-llama-cpp lists prebuilt binaries for every platform as optional dependencies. This machine's npm
// registry does not serve the ones for other platforms, so `npm install` leaves them out of package-lock.json
// and `npm ci` then refuses the lock. This script records them as platform-restricted optional entries, which
// `npm ci` skips on Linux x64 and installs on their own platforms. Run it after changing dependencies.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pkg = lock.packages['node_modules/node-llama-cpp'];
const PLATFORMS = {
  'linux-riscv64': { os: ['linux'], cpu: ['riscv64'] },
  'mac-arm64-metal': { os: ['darwin'], cpu: ['arm64'] },
  'mac-x64': { os: ['darwin'], cpu: ['x64'] },
  'win-arm64': { os: ['win32'], cpu: ['arm64'] },
  'win-x64': { os: ['win32'], cpu: ['x64'] },
  'win-x64-cuda': { os: ['win32'], cpu: ['x64'] },
  'win-x64-cuda-ext': { os: ['win32'], cpu: ['x64'] },
  'win-x64-vulkan': { os: ['win32'], cpu: ['x64'] },
};
let added = 0;
for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const short = name.replace('@node-llama-cpp/', '');
  if (lock.packages[key] || !PLATFORMS[short]) continue;
  lock.packages[key] = {
    version,
    resolved: `https://registry.npmjs.org/${name}/-/${short}-${version}.tgz`,
    license: 'MIT',
    optional: true,
    ...PLATFORMS[short],
    engines: { node: '>=20.0.0' },
  };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: recorded ${added} foreign-platform node-llama-cpp binaries`);
