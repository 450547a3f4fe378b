#!/usr/bin/env node
'use strict';
// Stages the packages a release publishes to npm, without touching the checkout:
//   <out>/cli-<os>-<cpu>/   one platform package per release archive: package.json with
//                           `os`/`cpu` (npm skips the package on any other machine) and the
//                           archive's `depgate` executable in bin/ (no `bin` entry: the
//                           depgate-npm command runs it, see lib/locate.js)
//   <out>/depgate-npm/      the wrapper, with its version and optionalDependencies pinned
//                           to exactly this release's platform packages
// Every archive is checked against its .sha256 file first; a missing or mismatching one
// stops the staging. Prints the staged folders as JSON on stdout.
//
//   node scripts/platform-packages.js --version 1.2.3 --assets DIR --out DIR [--repository owner/name]

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { PLATFORMS, platformPackage } = require('../lib/platforms');

const PLUGIN = path.join(__dirname, '..');
const OS_NAMES = { linux: 'Linux', darwin: 'macOS' };

function fail(msg) {
  process.stderr.write(`platform-packages: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { version: null, assets: null, out: null, repository: null };
  for (let i = 0; i < argv.length; i++) {
    const key = { '--version': 'version', '--assets': 'assets', '--out': 'out', '--repository': 'repository' }[argv[i]];
    if (!key || i + 1 >= argv.length) fail(`unknown option or missing value: ${argv[i]}`);
    opts[key] = argv[++i];
  }
  for (const k of ['version', 'assets', 'out']) if (!opts[k]) fail(`--${k} is required`);
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(opts.version)) {
    fail(`version '${opts.version}' is not a release version like 1.2.3 (no leading v)`);
  }
  if (opts.repository && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(opts.repository)) {
    fail(`repository '${opts.repository}' is not owner/name`);
  }
  return opts;
}

/** The sha256 the archive's .sha256 file names (sha256sum format), checked against the archive. */
function checkDigest(archive) {
  const sumFile = `${archive}.sha256`;
  if (!fs.existsSync(archive)) fail(`${archive} is missing: the release must have an archive for every platform`);
  if (!fs.existsSync(sumFile)) fail(`${sumFile} is missing: every archive needs its sha256 file`);
  const m = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/.exec(fs.readFileSync(sumFile, 'utf8').split('\n')[0]);
  if (!m) fail(`${sumFile} is not in sha256sum format ('<64 hex digits>  <file name>')`);
  if (m[2] !== path.basename(archive)) fail(`${sumFile} is for '${m[2]}', not ${path.basename(archive)}`);
  const actual = crypto.createHash('sha256').update(fs.readFileSync(archive)).digest('hex');
  if (actual !== m[1]) fail(`${archive} has sha256 ${actual}, but ${sumFile} says ${m[1]}: the archive is not the released one`);
}

/** Unpacks the archive's top-level `depgate` into `dest` (mode 0755); `scratch` is a folder for the unpacking. */
function extractBinary(archive, dest, scratch) {
  const tmp = fs.mkdtempSync(path.join(scratch, '.extract-'));
  try {
    const r = spawnSync('tar', ['-xzf', archive, '-C', tmp, 'depgate'], { encoding: 'utf8' });
    if (r.status !== 0) fail(`cannot take depgate out of ${archive} (it must be at the archive's top): ${(r.stderr || r.error || '').toString().trim()}`);
    const bin = path.join(tmp, 'depgate');
    if (!fs.lstatSync(bin).isFile()) fail(`depgate in ${archive} is not a regular file`);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(bin, dest);
    fs.chmodSync(dest, 0o755);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function repositoryField(repository) {
  return repository ? { repository: { type: 'git', url: `git+https://github.com/${repository}.git`, directory: 'npm-plugin' } } : {};
}

function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

function stagePlatform(p, opts) {
  const name = platformPackage(p.os, p.cpu);
  const dir = path.join(opts.out, name.split('/')[1]);
  fs.mkdirSync(dir, { recursive: true });
  const archive = path.join(opts.assets, `depgate-${p.target}.tar.gz`);
  checkDigest(archive);
  extractBinary(archive, path.join(dir, 'bin', 'depgate'), opts.out);
  const label = `${OS_NAMES[p.os]} ${p.cpu}${p.os === 'linux' ? ' (static musl build: glibc and musl systems alike)' : ''}`;
  writeJson(path.join(dir, 'package.json'), {
    name,
    version: opts.version,
    description: `The depgate binary for ${label}; installed by depgate-npm as an optional dependency`,
    license: 'Apache-2.0',
    ...repositoryField(opts.repository),
    os: [p.os],
    cpu: [p.cpu],
    files: ['bin/'],
    // Yarn PnP: keep the executable on disk instead of inside a zip.
    preferUnplugged: true,
  });
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${name}\n\nThe \`depgate\` executable (release target \`${p.target}\`) for ${label}.\n` +
      'Install `depgate-npm` instead: it depends on this package as an optional dependency, and\n' +
      'npm installs only the one that matches the machine (`os`/`cpu`).\n',
  );
  return { name, dir, target: p.target };
}

function stageWrapper(opts, platforms) {
  const dir = path.join(opts.out, 'depgate-npm');
  const manifest = JSON.parse(fs.readFileSync(path.join(PLUGIN, 'package.json'), 'utf8'));
  for (const entry of manifest.files) {
    fs.cpSync(path.join(PLUGIN, entry), path.join(dir, entry), { recursive: true });
  }
  manifest.version = opts.version;
  manifest.optionalDependencies = Object.fromEntries(platforms.map((p) => [p.name, opts.version]));
  delete manifest.scripts;
  Object.assign(manifest, repositoryField(opts.repository));
  writeJson(path.join(dir, 'package.json'), manifest);
  return { name: manifest.name, dir };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  opts.assets = path.resolve(opts.assets);
  opts.out = path.resolve(opts.out);
  if (fs.existsSync(opts.out) && fs.readdirSync(opts.out).length) fail(`${opts.out} is not empty`);
  fs.mkdirSync(opts.out, { recursive: true });
  const platforms = PLATFORMS.map((p) => stagePlatform(p, opts));
  const wrapper = stageWrapper(opts, platforms);
  process.stdout.write(JSON.stringify({ platforms, wrapper }, null, 2) + '\n');
}

main();
