'use strict';
// Real npm through the depgate proxy on fixture registries: install, ci, a refused
// pin, scoped registries from .npmrc, and the lockfile gate.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./helpers/harness');
const { fixtureRegistry, packageLock } = require('./helpers/fixtures');

function setup(t) {
  if (!h.need(t, h.depgateBin(), 'no depgate binary: set DEPGATE_BIN or run cargo build')) return null;
  if (!h.need(t, h.which('npm'), 'npm is not on PATH')) return null;
  const dir = h.tempDir(t);
  const registry = fixtureRegistry(path.join(dir, 'registry'));
  const project = path.join(dir, 'project');
  return { dir, registry, project, env: h.isolatedEnv(dir) };
}

test('npm install takes the newest allowed version when latest is held back, and ci repeats it', async (t) => {
  const s = setup(t);
  if (!s) return;
  h.writeProject(s.project, { fresh: '*', 'app-util': '^1.0.0' }, { 'depgate.toml': h.dirConfig(s.registry) });
  const out1 = path.join(s.dir, 'report-install');
  const r = await h.runWrapper(['--out', out1, 'install'], { cwd: s.project, env: s.env });
  assert.equal(r.code, 0, r.output);
  assert.equal(h.installed(s.project, 'fresh'), '1.0.0');
  assert.equal(h.installed(s.project, 'app-util'), '1.0.0');
  assert.equal(h.installed(s.project, 'left-pad'), '1.1.0');
  assert.match(r.stderr, /3 files gated through the proxy: 3 allow, 0 warn, 0 quarantine, 0 deny, 0 error/);
  assert.match(r.stderr, new RegExp(`report in ${out1.replace(/[/\\]/g, '.')}`));
  // The lockfile names the registry, not the run's proxy port.
  const lock = fs.readFileSync(path.join(s.project, 'package-lock.json'), 'utf8');
  assert.doesNotMatch(lock, /127\.0\.0\.1/);
  assert.match(lock, /"resolved": "https:\/\/registry\.npmjs\.org\/fresh\/-\/fresh-1\.0\.0\.tgz"/);

  // npm ci from that lockfile, with empty caches: every tarball comes through the proxy.
  fs.rmSync(path.join(s.project, 'node_modules'), { recursive: true });
  const env = { ...s.env, npm_config_cache: path.join(s.dir, 'npm-cache-2') };
  const out2 = path.join(s.dir, 'report-ci');
  const c = await h.runWrapper(['--out', out2, 'ci'], { cwd: s.project, env });
  assert.equal(c.code, 0, c.output);
  assert.equal(h.installed(s.project, 'fresh'), '1.0.0');
  assert.equal(h.installed(s.project, 'left-pad'), '1.1.0');
  const audit = h.auditRecords(out2);
  assert.deepEqual(audit.map((a) => a.purl).sort(), ['pkg:npm/app-util@1.0.0', 'pkg:npm/fresh@1.0.0', 'pkg:npm/left-pad@1.1.0']);
  assert.ok(audit.every((a) => a.mode === 'serve' && a.decision === 'allow'));
  for (const f of ['decisions.json', 'summary.md', 'sbom.cdx.json']) assert.ok(fs.existsSync(path.join(out2, f)), f);
  assert.equal(fs.readFileSync(path.join(s.project, 'package-lock.json'), 'utf8'), lock, 'ci leaves the lockfile alone');
});

test('npm ci of a lockfile pinning a held-back version fails and names the package and rule', async (t) => {
  const s = setup(t);
  if (!s) return;
  h.writeProject(s.project, { fresh: '2.0.0', 'left-pad': '1.0.0' }, {
    'depgate.toml': h.dirConfig(s.registry),
    'package-lock.json': packageLock(s.registry, { fresh: '2.0.0', 'left-pad': '1.0.0' }),
  });
  const out = path.join(s.dir, 'report');
  const r = await h.runWrapper(['--out', out, 'ci'], { cwd: s.project, env: s.env });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.stderr, /quarantine\s+pkg:npm\/fresh@2\.0\.0/);
  assert.match(r.stderr, /fallback-cooldown: pkg:npm\/fresh@2\.0\.0: published 1\.0 days ago/);
  assert.match(r.stderr, /depgate refused the packages listed above/);
  // npm itself shows the proxy's 403 message too.
  assert.match(r.output, /403 Forbidden.*fresh-2\.0\.0\.tgz.*fallback-cooldown/);
  assert.equal(h.installed(s.project, 'fresh'), null);
  const decisions = JSON.parse(fs.readFileSync(path.join(out, 'decisions.json'), 'utf8'));
  assert.equal(decisions.counts.quarantine, 1);
});

test('npm ci of a lockfile without resolved URLs pinning a held-back version: ETARGET, and the wrapper says why', async (t) => {
  const s = setup(t);
  if (!s) return;
  // Lockfiles written with omit-lockfile-registry-resolved (and some tools) record no
  // `resolved`: npm asks for the packument, the proxy has hidden 2.0.0 from it, and npm
  // can only say ETARGET. The proxy's report and the wrapper say what npm cannot.
  const lock = JSON.parse(packageLock(s.registry, { fresh: '2.0.0', 'left-pad': '1.0.0' }));
  for (const [key, entry] of Object.entries(lock.packages)) if (key) delete entry.resolved;
  h.writeProject(s.project, { fresh: '2.0.0', 'left-pad': '1.0.0' }, {
    'depgate.toml': h.dirConfig(s.registry),
    'package-lock.json': JSON.stringify(lock, null, 2) + '\n',
  });
  const out = path.join(s.dir, 'report');
  const r = await h.runWrapper(['--out', out, 'ci'], { cwd: s.project, env: s.env });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /ETARGET|No matching version found for fresh@2\.0\.0/, 'npm itself can only say this');
  assert.match(r.stderr, /1 version held back from listings/);
  assert.match(r.stderr, /quarantine\s+pkg:npm\/fresh@2\.0\.0/);
  assert.match(r.stderr, /fallback-cooldown: published 1\.0 days ago/);
  assert.match(r.stderr, /what to do: until \S+: wait for the cooldown to end, pin a version published at least 7 days ago/);
  assert.match(r.stderr, /npm failed \(exit \d+\); depgate held back the versions listed above/);
  assert.equal(h.installed(s.project, 'fresh'), null);

  const decisions = JSON.parse(fs.readFileSync(path.join(out, 'decisions.json'), 'utf8'));
  const held = decisions.held_back.find((x) => x.purl === 'pkg:npm/fresh@2.0.0');
  assert.ok(held, JSON.stringify(decisions.held_back));
  assert.equal(held.decision, 'quarantine');
  assert.deepEqual(held.findings.map((f) => f.rule), ['fallback-cooldown']);
  assert.ok(held.findings[0].remedy, 'the remedy is in the report');
  const summary = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
  assert.match(summary, /\*\*Blocked\*\*: 1 version held back from listings/);
  assert.doesNotMatch(summary, /Passed/);
  assert.match(summary, /\| `pkg:npm\/fresh` \| `2\.0\.0` \| quarantine \| `fallback-cooldown` \|/);
  const listed = h.auditRecords(out).filter((a) => a.request === 'listing');
  assert.deepEqual(listed.map((a) => [a.purl, a.decision, a.rules]), [['pkg:npm/fresh@2.0.0', 'quarantine', ['fallback-cooldown']]]);
});

test('a refused optional dependency npm skips still fails the run', async (t) => {
  const s = setup(t);
  if (!s) return;
  const lock = JSON.parse(packageLock(s.registry, { fresh: '2.0.0', 'left-pad': '1.0.0' }));
  lock.packages[''] = { name: 'fixture', version: '1.0.0', dependencies: { 'left-pad': '1.0.0' }, optionalDependencies: { fresh: '2.0.0' } };
  lock.packages['node_modules/fresh'].optional = true;
  h.writeProject(s.project, { 'left-pad': '1.0.0' }, { 'depgate.toml': h.dirConfig(s.registry), 'package-lock.json': JSON.stringify(lock, null, 2) });
  const pkg = JSON.parse(fs.readFileSync(path.join(s.project, 'package.json'), 'utf8'));
  pkg.optionalDependencies = { fresh: '2.0.0' };
  fs.writeFileSync(path.join(s.project, 'package.json'), JSON.stringify(pkg, null, 2));
  const r = await h.runWrapper(['--out', path.join(s.dir, 'report'), 'ci'], { cwd: s.project, env: s.env });
  assert.equal(h.installed(s.project, 'left-pad'), '1.0.0', r.output);
  assert.equal(h.installed(s.project, 'fresh'), null);
  assert.equal(r.code, 1, r.output);
  assert.match(r.stderr, /npm succeeded, but depgate refused 1 file it asked for/);
  assert.match(r.stderr, /quarantine\s+pkg:npm\/fresh@2\.0\.0/);
});

test('check gates the lockfile and passes depgate exit codes through', async (t) => {
  const s = setup(t);
  if (!s) return;
  h.writeProject(s.project, { fresh: '2.0.0' }, {
    'depgate.toml': h.dirConfig(s.registry),
    'package-lock.json': packageLock(s.registry, { fresh: '2.0.0' }),
  });
  const bad = await h.runWrapper(['check', '--out', path.join(s.dir, 'r1')], { cwd: s.project, env: s.env });
  assert.equal(bad.code, 1, bad.output);
  assert.match(bad.output, /fallback-cooldown/);

  fs.writeFileSync(path.join(s.project, 'package-lock.json'), packageLock(s.registry, { fresh: '1.0.0' }));
  const good = await h.runWrapper(['check', '--out', path.join(s.dir, 'r2'), '--format', 'json'], { cwd: s.project, env: s.env });
  assert.equal(good.code, 0, good.output);
  assert.equal(JSON.parse(good.stdout).counts.allow, 1);

  const usage = await h.runWrapper(['check', '--no-such-flag'], { cwd: s.project, env: s.env });
  assert.equal(usage.code, 2, usage.output);
});

test('scoped registries and their tokens from .npmrc map to upstreams of a generated config', async (t) => {
  const s = setup(t);
  if (!s) return;
  const acmeRoot = path.join(s.dir, 'acme-registry');
  fixtureRegistry(acmeRoot, { '@acme/widget': [{ version: '1.2.0', dependencies: { 'left-pad': '^1.0.0' } }] });
  const token = 'acme-secret-token-123';
  const pub = await h.serveRegistry(t, s.registry);
  const acme = await h.serveRegistry(t, acmeRoot, { token });
  const acmeDart = acme.url.replace(/^http:/, '');
  h.writeProject(s.project, { '@acme/widget': '^1.0.0', 'left-pad': '^1.0.0' }, {
    '.npmrc': `registry=${pub.url}\n@acme:registry=${acme.url}\n${acmeDart}:_authToken=${token}\n`,
  });
  const out = path.join(s.dir, 'report');
  const r = await h.runWrapper(['--out', out, 'install'], { cwd: s.project, env: s.env });
  assert.equal(r.code, 0, r.output);
  assert.equal(h.installed(s.project, '@acme/widget'), '1.2.0');
  assert.equal(h.installed(s.project, 'left-pad'), '1.1.0');
  assert.match(r.stderr, /generated from \.npmrc/);
  assert.ok(!r.output.includes(token), 'the token never reaches the output');

  const generated = fs.readFileSync(path.join(out, 'depgate-npm.toml'), 'utf8');
  assert.ok(!generated.includes(token), 'the token is not written to the generated config');
  assert.match(generated, /namespaces = \{ "@acme\/\*" = "npm-127-0-0-1-\d+" \}/);
  // The scope went to its registry only, with the token; npm itself never met either server.
  assert.ok(acme.requests.some((q) => q.path === '/@acme/widget' && q.auth === `Bearer ${token}`));
  assert.ok(!pub.requests.some((q) => q.path.includes('@acme')), 'the public registry was never asked for @acme');
  assert.ok(acme.requests.every((q) => q.auth === `Bearer ${token}`));
  const purls = h.auditRecords(out).map((a) => a.purl);
  assert.ok(purls.includes('pkg:npm/%40acme/widget@1.2.0'), purls.join(' '));

  const lock = fs.readFileSync(path.join(s.project, 'package-lock.json'), 'utf8');
  assert.ok(lock.includes(`"resolved": "${acme.url}@acme/widget/-/widget-1.2.0.tgz"`), lock);

  // ci from that lockfile: the pin on the scoped registry also comes through the proxy.
  fs.rmSync(path.join(s.project, 'node_modules'), { recursive: true });
  const before = acme.requests.length;
  const env = { ...s.env, npm_config_cache: path.join(s.dir, 'npm-cache-2'), DEPGATE_CACHE_DIR: path.join(s.dir, 'dg-cache-2') };
  const c = await h.runWrapper(['--out', path.join(s.dir, 'report-ci'), 'ci'], { cwd: s.project, env });
  assert.equal(c.code, 0, c.output);
  assert.equal(h.installed(s.project, '@acme/widget'), '1.2.0');
  assert.ok(acme.requests.slice(before).every((q) => q.auth === `Bearer ${token}`));
  assert.ok(acme.requests.slice(before).some((q) => q.path.endsWith('widget-1.2.0.tgz')));
});
