'use strict';
// The wrapper's own behaviour around the proxy: a missing binary, Ctrl-C during the
// client (the proxy still stops and writes its report), exit codes passed through.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const h = require('./helpers/harness');
const { fixtureRegistry } = require('./helpers/fixtures');

test('a missing binary names every place looked and how to fix it', async (t) => {
  const dir = h.tempDir(t);
  h.writeProject(path.join(dir, 'p'), {});
  const env = { ...h.isolatedEnv(dir), DEPGATE_BIN: '', PATH: path.dirname(process.execPath) };
  const r = await h.runWrapper(['ci'], { cwd: path.join(dir, 'p'), env });
  assert.equal(r.code, 2, r.output);
  assert.match(r.stderr, /cannot find the depgate binary/);
  assert.match(r.stderr, /DEPGATE_BIN \(not set\)/);
  assert.match(r.stderr, /@depgate\/cli-[a-z0-9]+-[a-z0-9]+ \(package not installed\)/);
  assert.match(r.stderr, /PATH \(1 folders, no depgate\)/);
});

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

test('Ctrl-C stops the client, then the proxy, which still writes its report', async (t) => {
  if (!h.need(t, h.depgateBin(), 'no depgate binary: set DEPGATE_BIN or run cargo build')) return;
  const dir = h.tempDir(t);
  const registry = fixtureRegistry(path.join(dir, 'registry'));
  const project = path.join(dir, 'p');
  h.writeProject(project, {}, { 'depgate.toml': h.dirConfig(registry) });
  const out = path.join(dir, 'report');
  const marker = path.join(dir, 'client-started');
  const client = `require('fs').writeFileSync(${JSON.stringify(marker)}, process.env.npm_config_registry); setInterval(() => {}, 1000)`;
  const child = spawn(process.execPath, [h.BIN, '--out', out, 'exec', '--', process.execPath, '-e', client], { cwd: project, env: h.isolatedEnv(dir), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('close', (code, signal) => r({ code, signal })));
  for (let i = 0; i < 200 && !fs.existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(fs.existsSync(marker), `the client never started: ${stderr}`);
  const port = Number(new URL(fs.readFileSync(marker, 'utf8')).port);
  assert.ok(await portOpen(port), 'the proxy is up while the client runs');
  child.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 130, stderr);
  assert.ok(fs.existsSync(path.join(out, 'decisions.json')), 'the report is written');
  assert.match(stderr, /0 files gated through the proxy/);
  assert.equal(await portOpen(port), false, 'the proxy is stopped');
});

test('exec passes the command exit code through', async (t) => {
  if (!h.need(t, h.depgateBin(), 'no depgate binary: set DEPGATE_BIN or run cargo build')) return;
  const dir = h.tempDir(t);
  const registry = fixtureRegistry(path.join(dir, 'registry'));
  const project = path.join(dir, 'p');
  h.writeProject(project, {}, { 'depgate.toml': h.dirConfig(registry) });
  const r = await h.runWrapper(['--out', path.join(dir, 'r'), 'exec', '--', process.execPath, '-e', 'process.exit(7)'], { cwd: project, env: h.isolatedEnv(dir) });
  assert.equal(r.code, 7, r.output);
});
