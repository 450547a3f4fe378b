'use strict';
// Unit tests: .npmrc parsing, binary location, configuration generation and choice,
// lockfile URL mapping, argument parsing and the summary.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseNpmrc, loadNpmrc, authFor, nerfDart, expandEnv } = require('../lib/npmrc');
const { locateBinary, platformPackage, BinaryNotFound } = require('../lib/locate');
const { generateConfig, chooseConfig, configuredUrls } = require('../lib/config');
const { clientEnv, isYarn, yarnLockToProxy, lockfileFromProxy, prepareLockfiles } = require('../lib/clients');
const { parseArgs } = require('../lib/cli');
const { formatSummary, blockedCount, heldBackCount } = require('../lib/summary');
const { tempDir } = require('./helpers/harness');

test('.npmrc: registry, scoped registries, credentials, env expansion, comments', () => {
  const rc = parseNpmrc(
    [
      '# a comment',
      '; another',
      'registry = https://mirror.example/npm',
      '@Acme:registry=https://npm.acme.dev/',
      '@other:registry="https://other.example/r/"',
      '//npm.acme.dev/:_authToken=${ACME_TOKEN}',
      '//other.example/r/:_auth=dXNlcjpwYXNz',
      '//lit.example/:_authToken=literal-token',
      'fund=false',
    ].join('\n'),
    { ACME_TOKEN: 'tok' },
  );
  assert.equal(rc.registry, 'https://mirror.example/npm/');
  assert.deepEqual(rc.scopes, { '@acme': 'https://npm.acme.dev/', '@other': 'https://other.example/r/' });
  assert.deepEqual(rc.auth['//npm.acme.dev/'], { token: 'tok', tokenVar: 'ACME_TOKEN' });
  assert.deepEqual(rc.auth['//other.example/r/'], { basic: 'dXNlcjpwYXNz' });
  assert.deepEqual(rc.auth['//lit.example/'], { token: 'literal-token' });
  assert.equal(expandEnv('a${X}b${Y?}c${Z}', { X: '1' }), 'a1bc${Z}');
});

test('.npmrc: the project file beats the user file, the environment beats both', (t) => {
  const dir = tempDir(t);
  const user = path.join(dir, 'user-npmrc');
  fs.writeFileSync(user, 'registry=https://user.example/\n@a:registry=https://a-user.example/\n@b:registry=https://b.example/\n');
  fs.writeFileSync(path.join(dir, '.npmrc'), '@a:registry=https://a-project.example/\n');
  const rc = loadNpmrc(dir, { npm_config_userconfig: user, 'npm_config_@b:registry': 'https://b-env.example' });
  assert.equal(rc.registry, 'https://user.example/');
  assert.deepEqual(rc.scopes, { '@a': 'https://a-project.example/', '@b': 'https://b-env.example/' });
  assert.deepEqual(rc.files, [user, path.join(dir, '.npmrc')]);
  assert.equal(loadNpmrc(dir, { npm_config_userconfig: path.join(dir, 'none') }).registry, 'https://registry.npmjs.org/');
});

test('credentials go to the longest matching registry path', () => {
  const auth = { '//h.example/': { token: 'root' }, '//h.example/deep/': { token: 'deep' } };
  assert.equal(nerfDart('https://h.example/deep/pkg'), '//h.example/deep/');
  assert.equal(authFor('https://h.example/deep/', auth).token, 'deep');
  assert.equal(authFor('https://h.example/other/', auth).token, 'root');
  assert.equal(authFor('https://elsewhere.example/', auth), null);
});

test('binary location: DEPGATE_BIN, then the platform package, then PATH', () => {
  const exists = (f) => ['/opt/dg', '/pkg/bin/depgate', '/usr/local/bin/depgate'].includes(f);
  const pkg = () => '/pkg/package.json';
  const noPkg = () => {
    throw new Error('not found');
  };
  assert.equal(locateBinary({ env: { DEPGATE_BIN: '/opt/dg', PATH: '/usr/local/bin' }, exists, resolve: pkg }), '/opt/dg');
  assert.equal(locateBinary({ env: { PATH: '/usr/local/bin' }, exists, resolve: pkg, platform: 'linux', arch: 'x64' }), '/pkg/bin/depgate');
  assert.equal(locateBinary({ env: { PATH: '/nowhere:/usr/local/bin' }, exists, resolve: noPkg, platform: 'linux' }), '/usr/local/bin/depgate');
  assert.equal(platformPackage('darwin', 'arm64'), '@depgate/cli-darwin-arm64');

  // The package is found by its package.json; the binary is its bin/depgate.
  let requested = null;
  locateBinary({ env: { PATH: '/usr/local/bin' }, exists, platform: 'linux', arch: 'arm64', resolve: (id) => ((requested = id), '/pkg/package.json') });
  assert.equal(requested, '@depgate/cli-linux-arm64/package.json');
  // An installed package without an executable binary is reported, and PATH still tried.
  assert.equal(
    locateBinary({ env: { PATH: '/usr/local/bin' }, exists, resolve: () => '/broken/package.json', platform: 'linux', arch: 'x64' }),
    '/usr/local/bin/depgate',
  );
  assert.throws(
    () => locateBinary({ env: { PATH: '/nowhere' }, exists, resolve: () => '/broken/package.json', platform: 'linux', arch: 'x64' }),
    /@depgate\/cli-linux-x64 \(installed at \/broken, but \/broken\/bin\/depgate is missing or not executable\)/,
  );

  assert.throws(
    () => locateBinary({ env: { PATH: '/nowhere' }, exists, resolve: noPkg, platform: 'linux', arch: 'x64' }),
    (e) =>
      e instanceof BinaryNotFound &&
      /DEPGATE_BIN \(not set\)/.test(e.message) &&
      /npm install --save-dev @depgate\/cli-linux-x64@\d+\.\d+\.\d+/.test(e.message) &&
      /static musl build/.test(e.message) &&
      /PATH \(1 folders/.test(e.message) &&
      /set DEPGATE_BIN/.test(e.message),
  );
  // A platform with no released binary gets no package to install, but the way to build one.
  assert.throws(
    () => locateBinary({ env: { PATH: '/nowhere' }, exists, resolve: noPkg, platform: 'win32', arch: 'x64' }),
    (e) => /publishes no binary for win32-x64 \(only linux-x64, linux-arm64, darwin-x64, darwin-arm64\)/.test(e.message) && !/npm install/.test(e.message),
  );
  // A DEPGATE_BIN that points nowhere is an error, not a reason to look elsewhere.
  assert.throws(() => locateBinary({ env: { DEPGATE_BIN: '/missing', PATH: '/usr/local/bin' }, exists, resolve: noPkg }), /DEPGATE_BIN=\/missing/);
});

test('generated config: default registry first, each scope bound to its registry, secrets by reference', () => {
  const rc = parseNpmrc(
    [
      '@acme:registry=https://npm.acme.dev/',
      '@acme2:registry=https://npm.acme.dev/',
      '@lit:registry=https://lit.example/npm/',
      '//npm.acme.dev/:_authToken=${ACME_TOKEN}',
      '//lit.example/npm/:_authToken=literal-secret',
    ].join('\n'),
    {},
  );
  rc.registry = 'https://registry.npmjs.org/';
  const g = generateConfig(rc, { ACME_TOKEN: 'x' });
  assert.deepEqual(g.upstreams.map((u) => u.name), ['npmjs', 'npm-npm-acme-dev', 'npm-lit-example-npm']);
  assert.match(g.toml, /^chain = \["npmjs", "npm-npm-acme-dev", "npm-lit-example-npm"\]$/m);
  assert.match(g.toml, /^namespaces = \{ "@acme\/\*" = "npm-npm-acme-dev", "@acme2\/\*" = "npm-npm-acme-dev", "@lit\/\*" = "npm-lit-example-npm" \}$/m);
  assert.match(g.toml, /\[upstream\.npmjs\]\nkind = "npm"\nurl = "https:\/\/registry\.npmjs\.org\/"\ntier = "public"\n/);
  assert.match(g.toml, /\[upstream\.npm-npm-acme-dev\][^[]*tier = "private"\nauth = "env:ACME_TOKEN"/);
  assert.match(g.toml, /\[upstream\.npm-lit-example-npm\][^[]*auth = "env:DEPGATE_NPM_AUTH_NPM_LIT_EXAMPLE_NPM"/);
  assert.deepEqual(g.env, { DEPGATE_NPM_AUTH_NPM_LIT_EXAMPLE_NPM: 'literal-secret' });
  assert.ok(!g.toml.includes('literal-secret'));

  const basic = generateConfig(parseNpmrc('registry=https://priv.example/\n//priv.example/:_auth=dXNlcjpwYXNz\n', {}), {});
  assert.match(basic.toml, /auth_scheme = "basic"/);
  assert.deepEqual(Object.values(basic.env), ['user:pass']);
});

test('config choice: --config or depgate.toml are used as is, with a warning for unmapped scopes', (t) => {
  const dir = tempDir(t);
  const rc = { registry: 'https://registry.npmjs.org/', scopes: { '@acme': 'https://npm.acme.dev/', '@known': 'https://known.example' }, auth: {}, files: [] };
  fs.writeFileSync(path.join(dir, 'depgate.toml'), '[upstream.k]\nkind = "npm"\nurl = "https://known.example/"\n');
  const c = chooseConfig({ projectDir: dir, npmrc: rc, env: {}, genDir: path.join(dir, 'gen') });
  assert.equal(c.path, path.join(dir, 'depgate.toml'));
  assert.equal(c.generated, false);
  assert.equal(c.warnings.length, 1);
  assert.match(c.warnings[0], /@acme to https:\/\/npm\.acme\.dev\/, which is no upstream/);
  assert.deepEqual([...configuredUrls('url = "https://a.example"\n  mirrors = "https://b.example/"\n')], ['https://a.example/', 'https://b.example/']);

  const explicit = chooseConfig({ projectDir: dir, explicit: 'other.toml', npmrc: rc, env: {}, genDir: dir });
  assert.equal(explicit.path, path.resolve('other.toml'));

  fs.rmSync(path.join(dir, 'depgate.toml'));
  const gen = chooseConfig({ projectDir: dir, npmrc: rc, env: {}, genDir: path.join(dir, 'gen') });
  assert.equal(gen.generated, true);
  assert.equal(gen.path, path.join(dir, 'gen', 'depgate-npm.toml'));
  assert.match(fs.readFileSync(gen.path, 'utf8'), /"@acme\/\*"/);
  assert.ok(!fs.existsSync(path.join(dir, 'depgate.toml')), 'nothing is written into the project');
});

test('client environment points every registry setting at the proxy', () => {
  const env = clientEnv({ NPM_CONFIG_REGISTRY: 'https://old/', 'npm_config_@x:registry': 'https://x/', KEEP: '1' }, 'http://127.0.0.1:9/npm/', { '@acme': 'https://a/' });
  assert.equal(env.NPM_CONFIG_REGISTRY, undefined);
  assert.equal(env['npm_config_@x:registry'], undefined);
  assert.equal(env.npm_config_registry, 'http://127.0.0.1:9/npm/');
  assert.equal(env['npm_config_@acme:registry'], 'http://127.0.0.1:9/npm/');
  assert.equal(env.YARN_REGISTRY, 'http://127.0.0.1:9/npm/');
  assert.equal(env.npm_config_replace_registry_host, 'always');
  assert.equal(env.KEEP, '1');
  assert.ok(isYarn('yarn') && isYarn('/usr/bin/yarnpkg') && isYarn('yarn.cmd') && !isYarn('pnpm'));
});

test('lockfile URLs move onto the proxy and back onto their registries', () => {
  const rc = { registry: 'https://registry.npmjs.org/', scopes: { '@acme': 'https://npm.acme.dev/' }, auth: {} };
  const proxy = 'http://127.0.0.1:9/npm/';
  const lock = [
    'a@^1:',
    '  resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#abc"',
    '"@acme/w@^1":',
    '  resolved "https://npm.acme.dev/@acme/w/-/w-1.0.0.tgz#def"',
    'c@^1:',
    '  resolved "https://codeload.example/c.tgz"',
  ].join('\n');
  const onProxy = yarnLockToProxy(lock, rc, proxy);
  assert.match(onProxy, /resolved "http:\/\/127\.0\.0\.1:9\/npm\/a\/-\/a-1\.0\.0\.tgz#abc"/);
  assert.match(onProxy, /resolved "http:\/\/127\.0\.0\.1:9\/npm\/@acme\/w\/-\/w-1\.0\.0\.tgz#def"/);
  assert.match(onProxy, /codeload\.example/);
  assert.equal(lockfileFromProxy(onProxy, rc, proxy, 'https://registry.yarnpkg.com/'), lock);
  const npmLock = '"resolved": "http://127.0.0.1:9/npm/left-pad/-/left-pad-1.1.0.tgz",';
  assert.equal(lockfileFromProxy(npmLock, rc, proxy, 'https://registry.npmjs.org/'), '"resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.1.0.tgz",');
});

test('yarn.lock: the original waits in a backup during the run; a killed run is repaired by the next', (t) => {
  const dir = tempDir(t);
  const rc = { registry: 'https://registry.npmjs.org/', scopes: {}, auth: {} };
  const lock = '# yarn lockfile v1\n\na@^1:\n  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz#abc"\n';
  const file = path.join(dir, 'yarn.lock');
  const backup = path.join(dir, '.yarn.lock.depgate-npm-original');
  fs.writeFileSync(file, lock);
  // A run that is killed (restore never called): the lockfile points at the proxy, the
  // original is in the backup.
  prepareLockfiles(dir, rc, 'http://127.0.0.1:9/npm/', { yarn: true });
  assert.match(fs.readFileSync(file, 'utf8'), /127\.0\.0\.1:9/);
  assert.equal(fs.readFileSync(backup, 'utf8'), lock);
  // The next run puts the original back first, then moves it onto its own proxy.
  const restore = prepareLockfiles(dir, rc, 'http://127.0.0.1:10/npm/', { yarn: true });
  assert.match(fs.readFileSync(file, 'utf8'), /127\.0\.0\.1:10\/npm\/a/);
  restore();
  assert.equal(fs.readFileSync(file, 'utf8'), lock);
  assert.equal(fs.existsSync(backup), false);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp')), []);
});

test('arguments: wrapper options before the command, everything after it passed on', () => {
  assert.deepEqual(parseArgs(['--out', 'r', 'ci', '--ignore-scripts']), { config: null, out: 'r', project: null, verbose: false, command: 'ci', rest: ['--ignore-scripts'] });
  assert.deepEqual(parseArgs(['--config=x.toml', 'exec', '--', 'pnpm', 'install', '--frozen-lockfile']).rest, ['pnpm', 'install', '--frozen-lockfile']);
  assert.equal(parseArgs(['--help']).command, 'help');
  assert.throws(() => parseArgs(['--bogus', 'ci']), (e) => e.exitCode === 2 && /unknown option --bogus/.test(e.message));
  assert.throws(() => parseArgs(['exec', '--']), (e) => e.exitCode === 2);
  assert.throws(() => parseArgs(['--out']), (e) => e.exitCode === 2);
});

test('summary: counts, then each package not allowed with its rule, message and remedy', () => {
  const doc = {
    counts: { total: 3, allow: 1, warn: 1, quarantine: 1, deny: 0, error: 0 },
    decisions: [
      { package: { purl: 'pkg:npm/a@1.0.0' }, decision: 'allow', findings: [] },
      { package: { purl: 'pkg:npm/b@1.0.0' }, decision: 'warn', findings: [{ rule: 'deprecated-version', msg: 'b is deprecated' }] },
      { package: { purl: 'pkg:npm/c@2.0.0' }, decision: 'quarantine', findings: [{ rule: 'fallback-cooldown', msg: 'too new', remedy: 'wait' }] },
    ],
  };
  const text = formatSummary(doc, '/r');
  assert.match(text, /3 files gated through the proxy: 1 allow, 1 warn, 1 quarantine, 0 deny, 0 error/);
  assert.match(text, /warn\s+pkg:npm\/b@1\.0\.0\n\s+deprecated-version: b is deprecated\n/);
  assert.match(text, /quarantine pkg:npm\/c@2\.0\.0\n\s+fallback-cooldown: too new\n\s+what to do: wait/);
  assert.match(text, /report in \/r/);
  assert.equal(blockedCount(doc), 1);
  assert.match(formatSummary(null, '/r'), /no decisions were written/);
});

test('summary: versions held back from listings, in full when the client failed, on one line when it did not', () => {
  const held = (version, at) => ({
    purl: `pkg:npm/fresh@${version}`,
    name: 'fresh',
    version,
    published_at: at,
    decision: 'quarantine',
    findings: [{ level: 'quarantine', rule: 'fallback-cooldown', msg: `pkg:npm/fresh@${version}: published 1.0 days ago`, remedy: 'wait' }],
  });
  const doc = {
    counts: { total: 0, allow: 0, warn: 0, quarantine: 0, deny: 0, error: 0 },
    decisions: [],
    held_back: [held('2.0.0', '2025-12-30T00:00:00Z'), held('2.1.0', '2025-12-31T00:00:00Z')],
    held_back_not_kept: 1,
  };
  assert.equal(blockedCount(doc), 0, 'held-back versions are not refused files');
  assert.equal(heldBackCount(doc), 3);
  const failed = formatSummary(doc, '/r', { clientFailed: true });
  assert.match(failed, /3 versions held back from listings \(a client pinning one reports "No matching version"\/ETARGET\):\n\s+quarantine pkg:npm\/fresh@2\.1\.0\n\s+fallback-cooldown: published 1\.0 days ago\n\s+what to do: wait\n\s+quarantine pkg:npm\/fresh@2\.0\.0/);
  assert.match(failed, /\.\.\. and 1 more/);
  const ok = formatSummary(doc, '/r');
  assert.match(ok, /held back from listings \(not offered to the client\): pkg:npm\/fresh@2\.1\.0 \(fallback-cooldown\), pkg:npm\/fresh@2\.0\.0 \(fallback-cooldown\) and 1 more\n/);
  assert.doesNotMatch(ok, /what to do/);
});
