'use strict';
// The release's npm packages end to end: scripts/publish.sh stages the four platform
// packages from release archives and publishes them and depgate-npm to a real registry
// (Verdaccio on 127.0.0.1, installed by scripts/test.sh); real npm then installs
// depgate-npm in a project with no Rust toolchain and no depgate on PATH. npm must install
// only this machine's platform package and skip the others by their os/cpu fields, and
// `npx depgate-npm --version` must run the binary from that package.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const h = require('./helpers/harness');
const { PLATFORMS, findPlatform } = require('../lib/platforms');

const PLUGIN = path.join(__dirname, '..');
const PUBLISH = path.join(PLUGIN, 'scripts', 'publish.sh');
const VERSION = require('../package.json').version;

/**
 * Release archives like the release workflow's: depgate-<target>.tar.gz with `depgate` at
 * the top, and its .sha256. This machine's target gets the real depgate binary. The other
 * targets get a small shell script instead, because a macOS or arm64 depgate cannot be
 * built here; it is never run: those packages exist to be skipped by npm on this machine.
 */
function makeAssets(dir, realBinary) {
  const here = findPlatform();
  fs.mkdirSync(dir, { recursive: true });
  for (const p of PLATFORMS) {
    const stage = fs.mkdtempSync(path.join(dir, '.stage-'));
    const exe = path.join(stage, 'depgate');
    if (p === here && realBinary) {
      fs.copyFileSync(realBinary, exe);
      // Stripped like a release build: a debug build's symbols make it several times
      // bigger and the test slower; the code is the same. Without strip, as it is.
      spawnSync('strip', [exe]);
    } else fs.writeFileSync(exe, `#!/bin/sh\necho "placeholder for ${p.target}: must never be installed on ${process.platform}-${process.arch}" >&2\nexit 99\n`);
    fs.chmodSync(exe, 0o755);
    const archive = path.join(dir, `depgate-${p.target}.tar.gz`);
    const r = spawnSync('tar', ['-czf', archive, '-C', stage, 'depgate']);
    assert.equal(r.status, 0, String(r.stderr));
    fs.rmSync(stage, { recursive: true });
    const sum = crypto.createHash('sha256').update(fs.readFileSync(archive)).digest('hex');
    fs.writeFileSync(`${archive}.sha256`, `${sum}  ${path.basename(archive)}\n`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function request(method, url, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : null;
    const req = http.request(url, { method, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Starts Verdaccio in `dir` with no uplinks (nothing is fetched from the internet) and one
 * user; resolves to { url, token }. Stopped when the test ends.
 */
async function startVerdaccio(t, verdaccio, dir) {
  const port = await freePort();
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'web:',
      '  enable: false',
      // An unstripped debug depgate is over 100 MB; the default limit is 10 MB.
      'max_body_size: 300mb',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const log = path.join(dir, 'verdaccio.log');
  const out = fs.openSync(log, 'w');
  const child = spawn(verdaccio, ['--config', config, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  t.after(() => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await request('GET', `${url}-/ping`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      assert.fail(`Verdaccio did not start on ${url}:\n${fs.readFileSync(log, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // npm's own adduser call: creates the user and answers with a token.
  const user = await request('PUT', `${url}-/user/org.couchdb.user:release`, {
    name: 'release',
    password: 'release-test-password',
    type: 'user',
    roles: [],
    date: new Date().toISOString(),
  });
  assert.equal(user.status, 201, `adding a Verdaccio user: ${user.text}`);
  return { url, token: JSON.parse(user.text).token };
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts });
  return { code: r.status, stdout: r.stdout || '', stderr: r.stderr || '', output: `${r.stdout || ''}${r.stderr || ''}${r.error ? r.error.message : ''}` };
}

/** PATH without any folder holding cargo, rustc or depgate: the install must need none. */
function pathWithoutRust(env) {
  const bad = ['cargo', 'rustc', 'rustup', 'depgate'];
  return (env.PATH || '')
    .split(path.delimiter)
    .filter((dir) => dir && !bad.some((b) => fs.existsSync(path.join(dir, b))))
    .join(path.delimiter);
}

test('platform packages published with publish.sh install with real npm: only this platform, and npx depgate-npm runs its binary', async (t) => {
  const here = findPlatform();
  if (!h.need(t, here, `depgate publishes no binary for ${process.platform}-${process.arch}`)) return;
  const bin = h.depgateBin();
  if (!h.need(t, bin, 'no depgate binary: set DEPGATE_BIN or run cargo build')) return;
  const verdaccio = h.which('verdaccio');
  if (!h.need(t, verdaccio, 'verdaccio is not on PATH (scripts/test.sh installs it into target/npm-plugin-tools)')) return;
  if (!h.need(t, h.which('tar'), 'tar is not on PATH')) return;

  const dir = h.tempDir(t);
  const assets = path.join(dir, 'assets');
  makeAssets(assets, bin);
  const registry = await startVerdaccio(t, verdaccio, path.join(dir, 'verdaccio'));
  const env = h.isolatedEnv(dir, { DEPGATE_BIN: '' });
  fs.writeFileSync(env.npm_config_userconfig, `registry=${registry.url}\n//${registry.url.slice('http://'.length)}:_authToken=${registry.token}\n`);

  const pub = run(PUBLISH, [VERSION, assets, '--registry', registry.url, '--no-provenance', '--repository', 'depgate-test/depgate'], { env });
  assert.equal(pub.code, 0, pub.output);
  const names = [...PLATFORMS.map((p) => `@depgate/cli-${p.os}-${p.cpu}`), 'depgate-npm'];
  for (const name of names) assert.match(pub.stdout, new RegExp(`publishing ${name.replace('/', '\\/')}@${VERSION.replace(/\./g, '\\.')}`));
  // Platform packages first, so depgate-npm never points at a missing version.
  assert.ok(pub.stdout.indexOf('publishing depgate-npm@') > pub.stdout.lastIndexOf('publishing @depgate/'), pub.stdout);

  // What the registry holds: the platform fields, the pinned optional dependencies.
  const view = (spec, field) => JSON.parse(run('npm', ['view', spec, field, '--json', '--registry', registry.url], { env }).stdout);
  assert.deepEqual(view(`@depgate/cli-linux-arm64@${VERSION}`, 'os'), ['linux']);
  assert.deepEqual(view(`@depgate/cli-linux-arm64@${VERSION}`, 'cpu'), ['arm64']);
  assert.deepEqual(view(`depgate-npm@${VERSION}`, 'optionalDependencies'), Object.fromEntries(names.slice(0, 4).map((n) => [n, VERSION])));
  assert.equal(view(`depgate-npm@${VERSION}`, 'repository.url'), 'git+https://github.com/depgate-test/depgate.git');

  // A re-run (the workflow retried after a partial publish) skips what is already there.
  const again = run(PUBLISH, [VERSION, assets, '--registry', registry.url, '--no-provenance', '--repository', 'depgate-test/depgate'], { env });
  assert.equal(again.code, 0, again.output);
  assert.equal((again.stdout.match(/already published with this content; skipped/g) || []).length, 5, again.output);

  // A project with no Rust toolchain and no depgate anywhere but npm.
  const project = path.join(dir, 'project');
  h.writeProject(project, {});
  const cleanEnv = { ...env, PATH: pathWithoutRust(env) };
  for (const tool of ['cargo', 'rustc', 'depgate']) assert.notEqual(run('sh', ['-c', `command -v ${tool}`], { env: cleanEnv }).code, 0, `${tool} is still on PATH`);
  const inst = run('npm', ['install', `depgate-npm@${VERSION}`], { cwd: project, env: cleanEnv });
  assert.equal(inst.code, 0, inst.output);

  const mine = `cli-${here.os}-${here.cpu}`;
  assert.deepEqual(fs.readdirSync(path.join(project, 'node_modules', '@depgate')), [mine], 'only this platform is installed');
  // npm knows the others and skipped them by design: they are in the lockfile as optional.
  const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
  for (const p of PLATFORMS) {
    const entry = lock.packages[`node_modules/@depgate/cli-${p.os}-${p.cpu}`];
    assert.ok(entry, `package-lock.json records @depgate/cli-${p.os}-${p.cpu}`);
    assert.equal(entry.optional, true);
    assert.deepEqual([entry.os, entry.cpu], [[p.os], [p.cpu]]);
  }

  const installedBin = path.join(project, 'node_modules', '@depgate', mine, 'bin', 'depgate');
  const version = run('npx', ['--no-install', 'depgate-npm', '--version'], { cwd: project, env: cleanEnv });
  assert.equal(version.code, 0, version.output);
  const expected = run(bin, ['--version']).stdout.trim();
  assert.match(expected, /^depgate \d+\.\d+\.\d+/);
  assert.equal(version.stdout, `depgate-npm ${VERSION}\n${expected} (${installedBin})\n`);
});

test('publish.sh refuses an archive that does not match its .sha256, naming it', (t) => {
  if (!h.need(t, h.which('tar'), 'tar is not on PATH')) return;
  const dir = h.tempDir(t);
  const assets = path.join(dir, 'assets');
  makeAssets(assets, null);
  const archive = path.join(assets, `depgate-${PLATFORMS[2].target}.tar.gz`);
  fs.appendFileSync(archive, 'tampered');
  const r = run(PUBLISH, [VERSION, assets, '--dry-run', '--no-provenance'], { env: h.isolatedEnv(dir) });
  assert.equal(r.code, 2, r.output);
  assert.match(r.stderr, new RegExp(`${archive.replace(/[.]/g, '\\.')} has sha256 [0-9a-f]{64}, but .*\\.sha256 says [0-9a-f]{64}: the archive is not the released one`));
  assert.doesNotMatch(r.output, /publishing/);

  // A version with a leading v, and provenance without a repository, are refused up front.
  assert.match(run(PUBLISH, [`v${VERSION}`, assets, '--dry-run', '--no-provenance'], { env: h.isolatedEnv(dir) }).stderr, /not a release version like 1\.2\.3/);
  const env = { ...h.isolatedEnv(dir) };
  delete env.GITHUB_REPOSITORY;
  assert.match(run(PUBLISH, [VERSION, assets, '--dry-run'], { env }).stderr, /--provenance needs the repository/);
});
