'use strict';
// Real pnpm (9) and yarn classic (1.22) through the depgate proxy with
// `depgate-npm exec -- ...`: a fresh install, a frozen-lockfile install with empty
// caches, and a lockfile pinning a held-back version.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./helpers/harness');
const { fixtureRegistry, yarnLock, pnpmLock } = require('./helpers/fixtures');

function setup(t, tool) {
  if (!h.need(t, h.depgateBin(), 'no depgate binary: set DEPGATE_BIN or run cargo build')) return null;
  if (!h.need(t, h.which(tool), `${tool} is not on PATH (npm-plugin/scripts/test.sh installs it)`)) return null;
  const dir = h.tempDir(t);
  const registry = fixtureRegistry(path.join(dir, 'registry'));
  const project = path.join(dir, 'project');
  return { dir, registry, project, env: h.isolatedEnv(dir) };
}

/** A second run's environment: the client's and depgate's caches emptied. */
function coldEnv(s, n) {
  return {
    ...s.env,
    npm_config_store_dir: path.join(s.dir, `pnpm-store-${n}`),
    YARN_CACHE_FOLDER: path.join(s.dir, `yarn-cache-${n}`),
    DEPGATE_CACHE_DIR: path.join(s.dir, `depgate-cache-${n}`),
  };
}

const CLIENTS = {
  pnpm: { install: ['pnpm', 'install'], frozen: ['pnpm', 'install', '--frozen-lockfile'], lockfile: 'pnpm-lock.yaml', pin: pnpmLock },
  yarn: {
    install: ['yarn', 'install', '--non-interactive'],
    frozen: ['yarn', 'install', '--frozen-lockfile', '--non-interactive'],
    lockfile: 'yarn.lock',
    pin: yarnLock,
  },
};

for (const [tool, c] of Object.entries(CLIENTS)) {
  test(`${tool} install through the proxy, then a frozen install from its lockfile`, async (t) => {
    const s = setup(t, tool);
    if (!s) return;
    h.writeProject(s.project, { fresh: '*', 'app-util': '^1.0.0' }, { 'depgate.toml': h.dirConfig(s.registry) });
    const out1 = path.join(s.dir, 'report-1');
    const r = await h.runWrapper(['--out', out1, 'exec', '--', ...c.install], { cwd: s.project, env: s.env });
    assert.equal(r.code, 0, r.output);
    assert.equal(h.installed(s.project, 'fresh'), '1.0.0', 'latest 2.0.0 is held back: the newest allowed is taken');
    assert.equal(h.installed(s.project, 'app-util'), '1.0.0');
    assert.match(r.stderr, /3 files gated through the proxy: 3 allow/);
    const lock = fs.readFileSync(path.join(s.project, c.lockfile), 'utf8');
    assert.doesNotMatch(lock, /127\.0\.0\.1/, 'the lockfile keeps no proxy URL');
    if (tool === 'yarn') assert.match(lock, /resolved "https:\/\/registry\.yarnpkg\.com\/fresh\/-\/fresh-1\.0\.0\.tgz#/);

    fs.rmSync(path.join(s.project, 'node_modules'), { recursive: true });
    const out2 = path.join(s.dir, 'report-2');
    const f = await h.runWrapper(['--out', out2, 'exec', '--', ...c.frozen], { cwd: s.project, env: coldEnv(s, 2) });
    assert.equal(f.code, 0, f.output);
    assert.equal(h.installed(s.project, 'fresh'), '1.0.0');
    // pnpm keeps transitive dependencies out of the top of node_modules.
    if (tool === 'pnpm') assert.ok(fs.existsSync(path.join(s.project, 'node_modules/.pnpm/left-pad@1.1.0/node_modules/left-pad')));
    else assert.equal(h.installed(s.project, 'left-pad'), '1.1.0');
    const purls = h.auditRecords(out2).map((a) => a.purl).sort();
    assert.deepEqual(purls, ['pkg:npm/app-util@1.0.0', 'pkg:npm/fresh@1.0.0', 'pkg:npm/left-pad@1.1.0'], 'one audit record per tarball');
    assert.equal(fs.readFileSync(path.join(s.project, c.lockfile), 'utf8'), lock, 'the lockfile is left as it was');
  });

  test(`${tool}: a lockfile pinning a held-back version fails with the package and rule`, async (t) => {
    const s = setup(t, tool);
    if (!s) return;
    const lock = c.pin(s.registry, { fresh: '2.0.0' });
    h.writeProject(s.project, { fresh: '2.0.0' }, { 'depgate.toml': h.dirConfig(s.registry), [c.lockfile]: lock });
    const r = await h.runWrapper(['--out', path.join(s.dir, 'report'), 'exec', '--', ...c.frozen], { cwd: s.project, env: s.env });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.stderr, /quarantine\s+pkg:npm\/fresh@2\.0\.0/);
    assert.match(r.stderr, /fallback-cooldown: pkg:npm\/fresh@2\.0\.0/);
    assert.equal(h.installed(s.project, 'fresh'), null);
    assert.equal(fs.readFileSync(path.join(s.project, c.lockfile), 'utf8'), lock, 'the lockfile is restored');
  });
}
