'use strict';
// Shared pieces of the functional tests: isolated environments, the depgate binary,
// package-manager lookup with visible skips, running depgate-npm, and a small npm
// registry server on 127.0.0.1 that serves a fixture folder over HTTP.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const BIN = path.join(__dirname, '..', '..', 'bin', 'depgate-npm.js');
const REPO = path.join(__dirname, '..', '..', '..');

/** The depgate binary for the tests: DEPGATE_BIN, else the repository's debug build. */
function depgateBin() {
  if (process.env.DEPGATE_BIN) return process.env.DEPGATE_BIN;
  const local = path.join(REPO, 'target', 'debug', 'depgate');
  return fs.existsSync(local) ? local : null;
}

/** The path of a tool on PATH, or null. */
function which(tool) {
  const r = spawnSync(process.platform === 'win32' ? 'where' : 'which', [tool], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(/\r?\n/)[0].trim() : null;
}

/**
 * Skips the test with a visible `SKIPPED: <why>` line when a requirement is missing,
 * or fails it when DEPGATE_REQUIRE_TOOLS=1. Returns true when the test may go on.
 */
function need(t, ok, why) {
  if (ok) return true;
  if (process.env.DEPGATE_REQUIRE_TOOLS === '1') throw new Error(`required tool missing (DEPGATE_REQUIRE_TOOLS=1): ${why}`);
  process.stdout.write(`SKIPPED: ${t.name}: ${why}\n`);
  t.skip(why);
  return false;
}

/** A fresh temporary folder, removed when the test ends. */
function tempDir(t, prefix = 'depgate-npm-test-') {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * An environment that shares nothing with the machine's npm, pnpm or yarn setup:
 * no user .npmrc, private caches and stores, and a private HOME.
 */
function isolatedEnv(dir, extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|yarn_|pnpm_)/i.test(k)) continue;
    env[k] = v;
  }
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { recursive: true });
  return {
    ...env,
    HOME: home,
    npm_config_userconfig: path.join(dir, 'no-user-npmrc'),
    npm_config_cache: path.join(dir, 'npm-cache'),
    npm_config_store_dir: path.join(dir, 'pnpm-store'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    YARN_CACHE_FOLDER: path.join(dir, 'yarn-cache'),
    DEPGATE_CACHE_DIR: path.join(dir, 'depgate-cache'),
    DEPGATE_BIN: depgateBin() || '',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs depgate-npm; resolves to { code, stdout, stderr, output }. */
function runWrapper(args, { cwd, env, timeoutMs = 120_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output: stdout + stderr });
    });
  });
}

/** Writes a project: package.json with `dependencies` plus any extra files. */
function writeProject(dir, dependencies, files = {}) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture', version: '1.0.0', private: true, dependencies }, null, 2));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

/** depgate.toml with one `dir` upstream for the fixture registry. */
function dirConfig(registryDir, { tier = 'public', cooldown = true } = {}) {
  return [
    '[npm]',
    'chain = ["local"]',
    '[upstream.local]',
    'kind = "dir"',
    `path = ${JSON.stringify(registryDir)}`,
    `tier = "${tier}"`,
    'mirrors = "https://registry.npmjs.org/"',
    '[policy]',
    'quarantine_days = 7',
    // The public tier waits by default even when first in the chain; [] turns that off.
    cooldown ? `cooldown_tiers = ["${tier}"]` : 'cooldown_tiers = []',
    'require = "none"',
    '',
  ].join('\n');
}

/** The audit records of a report folder. */
function auditRecords(outDir) {
  const text = fs.readFileSync(path.join(outDir, 'audit.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The version installed in node_modules, or null. */
function installed(projectDir, name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(projectDir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/**
 * An npm registry over HTTP serving a fixture folder: packuments with tarball URLs
 * rewritten onto this server, tarballs, 404 for the rest. With `token`, every request
 * must carry `Authorization: Bearer <token>` (else 401). Records each request path.
 */
async function serveRegistry(t, root, { token = null } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    requests.push({ path: url, auth: req.headers.authorization || null });
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"error":"unauthorized"}');
    }
    const base = `http://127.0.0.1:${server.address().port}/`;
    const rel = url.replace(/^\/+/, '');
    const tarball = /^(.+)\/-\/([^/]+\.tgz)$/.exec(rel);
    const file = tarball ? path.join(root, tarball[1], '-', tarball[2]) : path.join(root, rel, 'index.json');
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"error":"not found"}');
    }
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(fs.readFileSync(file));
    }
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const v of Object.values(doc.versions)) v.dist.tarball = v.dist.tarball.replace(/^https?:\/\/[^/]+\//, base);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${server.address().port}/`, requests };
}

module.exports = {
  BIN,
  depgateBin,
  which,
  need,
  tempDir,
  isolatedEnv,
  runWrapper,
  writeProject,
  dirConfig,
  auditRecords,
  installed,
  serveRegistry,
};
