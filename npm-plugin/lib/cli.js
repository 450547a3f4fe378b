'use strict';
// depgate-npm: runs npm (or pnpm, yarn, any command) with every registry request going
// through a `depgate serve` proxy, then stops the proxy and prints what it decided;
// `check` runs depgate's lockfile gate. Exit codes: the client's own when it failed,
// 1 when it succeeded but the proxy refused something it skipped (an optional
// dependency, say), depgate's codes (2 usage, 3 could not decide) for depgate's own
// failures, 128+N when stopped by signal N.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { loadNpmrc } = require('./npmrc');
const { chooseConfig } = require('./config');
const { locateBinary, BinaryNotFound } = require('./locate');
const { startProxy } = require('./proxy');
const { clientEnv, isYarn, prepareLockfiles } = require('./clients');
const { readDecisions, blockedCount, heldBackCount, formatSummary } = require('./summary');

const USAGE = `Usage: depgate-npm [options] <command> [args...]

Commands:
  ci [npm args...]          npm ci through the depgate proxy
  install [npm args...]     npm install through the depgate proxy (alias: i)
  exec -- <cmd> [args...]   any command (pnpm install, yarn install, npx ...) through the proxy
  check [depgate args...]   the lockfile gate: depgate check (its exit code is passed through)

Options (before the command):
  --config FILE    depgate.toml to use (default: the project's depgate.toml, else one
                   generated from .npmrc: its registry and scoped registries)
  --out DIR        report folder (default: <project>/depgate-report)
  --project DIR    project folder (default: the current folder)
  --verbose        show the proxy's own output
  -h, --help       this text
  -V, --version    the versions of depgate-npm and of the depgate binary it runs

The depgate binary: DEPGATE_BIN, else the package @depgate/cli-<platform>-<arch>, else PATH.`;

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** Splits wrapper options from the command. Throws a usage Error on a bad option. */
function parseArgs(argv) {
  const opts = { config: null, out: null, project: null, verbose: false, command: null, rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    const value = (name) => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw usageError(`${name} needs a value`);
      return argv[++i];
    };
    if (a === '--config' || a.startsWith('--config=')) opts.config = value('--config');
    else if (a === '--out' || a.startsWith('--out=')) opts.out = value('--out');
    else if (a === '--project' || a.startsWith('--project=')) opts.project = value('--project');
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a === '-h' || a === '--help') opts.command = 'help';
    else if (a === '-V' || a === '--version') opts.command = 'version';
    else if (a.startsWith('-')) throw usageError(`unknown option ${a}`);
    else break;
    if (opts.command) return opts;
  }
  opts.command = argv[i] || null;
  opts.rest = argv.slice(i + 1);
  if (opts.command === 'exec') {
    if (opts.rest[0] === '--') opts.rest = opts.rest.slice(1);
    if (!opts.rest.length) throw usageError('exec needs a command: depgate-npm exec -- pnpm install');
  }
  return opts;
}

function usageError(msg) {
  const e = new Error(`depgate-npm: ${msg}\n\n${USAGE}`);
  e.exitCode = 2;
  return e;
}

function say(msg) {
  process.stderr.write(msg.endsWith('\n') ? msg : msg + '\n');
}

/** Runs a child with inherited stdio; resolves to { code, signal }. */
function runChild(cmd, args, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32', ...options });
    child.on('error', (err) => resolve({ code: 127, signal: null, error: err }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
    if (options.onChild) options.onChild(child);
  });
}

/** Catches SIGINT/SIGTERM/SIGHUP for the run: remembers the first, forwards each to the child. */
function trapSignals() {
  const state = { signal: null, child: null };
  const handlers = {};
  for (const sig of Object.keys(SIGNALS)) {
    handlers[sig] = () => {
      state.signal = state.signal || sig;
      if (state.child && state.child.exitCode === null && state.child.signalCode === null) state.child.kill(sig);
    };
    process.on(sig, handlers[sig]);
  }
  state.release = () => {
    for (const [sig, h] of Object.entries(handlers)) process.removeListener(sig, h);
  };
  return state;
}

/** The shared start: project, npm configuration, depgate configuration, binary. */
function prepare(opts, env, workDir, genDir) {
  const projectDir = path.resolve(opts.project || process.cwd());
  const npmrc = loadNpmrc(projectDir, env);
  const cfg = chooseConfig({ projectDir, explicit: opts.config, npmrc, env, genDir });
  for (const w of cfg.warnings) say(`depgate-npm: warning: ${w}`);
  const bin = locateBinary({ env });
  return { projectDir, npmrc, cfg, bin, workDir };
}

/** ci / install / exec: the command through the proxy. */
async function runThroughProxy(opts, cmd, args, env) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depgate-npm-'));
  const projectDir = path.resolve(opts.project || process.cwd());
  const outDir = path.resolve(opts.out || path.join(projectDir, 'depgate-report'));
  const signals = trapSignals();
  let proxy = null;
  let restoreLockfiles = () => {};
  try {
    const { npmrc, cfg, bin } = prepare(opts, env, workDir, outDir);
    proxy = await startProxy({ bin, config: cfg.path, out: outDir, project: projectDir, workDir, env: { ...env, ...cfg.env }, verbose: opts.verbose });
    say(`depgate-npm: proxy ${proxy.npm} (config ${cfg.path}${cfg.generated ? ', generated from .npmrc' : ''})`);

    let result = { code: null, signal: signals.signal };
    if (!signals.signal) {
      restoreLockfiles = prepareLockfiles(projectDir, npmrc, proxy.npm, { yarn: isYarn(cmd) });
      result = await runChild(cmd, args, {
        cwd: projectDir,
        env: clientEnv(env, proxy.npm, npmrc.scopes),
        onChild: (c) => (signals.child = c),
      });
      if (result.error) say(`depgate-npm: cannot run ${cmd}: ${result.error.message}`);
    }
    restoreLockfiles();
    const stopped = await proxy.stop();
    proxy = null;
    const doc = readDecisions(outDir);
    const clientFailed = Boolean(signals.signal || result.signal || result.code !== 0);
    say(formatSummary(doc, outDir, { clientFailed }));

    if (signals.signal) return 128 + SIGNALS[signals.signal];
    if (result.signal) return 128 + (os.constants.signals[result.signal] || 1);
    if (result.code !== 0) {
      if (blockedCount(doc)) say(`depgate-npm: ${cmd} failed (exit ${result.code}); depgate refused the packages listed above`);
      else if (heldBackCount(doc)) {
        say(`depgate-npm: ${cmd} failed (exit ${result.code}); depgate held back the versions listed above (hidden from listings, so a pinned one reads as "No matching version"/ETARGET)`);
      }
      return result.code;
    }
    const blocked = blockedCount(doc);
    if (blocked) {
      say(`depgate-npm: ${cmd} succeeded, but depgate refused ${blocked} file${blocked === 1 ? '' : 's'} it asked for (listed above); failing the run`);
      return 1;
    }
    if (stopped.code !== 0 && stopped.signal !== 'SIGTERM') {
      say(`depgate-npm: the proxy exited with code ${stopped.code}; its log:\n${safeRead(stopped.log)}`);
      return stopped.code || 3;
    }
    return 0;
  } finally {
    restoreLockfiles();
    if (proxy) await proxy.stop();
    signals.release();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function safeRead(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** check: `depgate check` with a generated config when the project has none. */
async function runCheck(opts, args, env) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depgate-npm-'));
  const signals = trapSignals();
  try {
    const { projectDir, cfg, bin } = prepare(opts, env, workDir, workDir);
    const full = ['check'];
    if (!args.some((a) => a === '--config' || a.startsWith('--config='))) full.push('--config', cfg.path);
    if (opts.out && !args.some((a) => a === '--out' || a.startsWith('--out='))) full.push('--out', path.resolve(opts.out));
    full.push(...args);
    if (!args.some((a) => !a.startsWith('-'))) full.push(projectDir);
    const result = await runChild(bin, full, { cwd: process.cwd(), env: { ...env, ...cfg.env }, onChild: (c) => (signals.child = c) });
    if (result.error) {
      say(`depgate-npm: cannot run ${bin}: ${result.error.message}`);
      return 3;
    }
    if (signals.signal) return 128 + SIGNALS[signals.signal];
    return result.code ?? 128 + (os.constants.signals[result.signal] || 1);
  } finally {
    signals.release();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * --version: the wrapper's version, then the depgate binary it would run and that binary's
 * own --version, so one command shows which platform package (or DEPGATE_BIN, PATH) is used.
 */
function printVersions(env) {
  process.stdout.write(`depgate-npm ${require('../package.json').version}\n`);
  const bin = locateBinary({ env });
  const r = spawnSync(bin, ['--version'], { env, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) {
    const err = (r.stderr || '').trim();
    const why = r.error ? r.error.message : `${r.signal ? `signal ${r.signal}` : `exit ${r.status}`}${err ? `: ${err}` : ''}`;
    say(`depgate-npm: the depgate binary ${bin} does not run (${why}); reinstall its package or set DEPGATE_BIN`);
    return 3;
  }
  process.stdout.write(`${r.stdout.trim()} (${bin})\n`);
  return 0;
}

/** Entry point: returns the exit code. */
async function main(argv, env = process.env) {
  let opts;
  try {
    opts = parseArgs(argv);
    switch (opts.command) {
      case 'help':
        process.stdout.write(USAGE + '\n');
        return 0;
      case 'version':
        return printVersions(env);
      case 'ci':
      case 'install':
      case 'i':
        return await runThroughProxy(opts, 'npm', [opts.command === 'i' ? 'install' : opts.command, ...opts.rest], env);
      case 'exec':
        return await runThroughProxy(opts, opts.rest[0], opts.rest.slice(1), env);
      case 'check':
        return await runCheck(opts, opts.rest, env);
      case null:
        throw usageError('no command given');
      default:
        throw usageError(`unknown command ${opts.command}`);
    }
  } catch (err) {
    if (err instanceof BinaryNotFound) {
      say(err.message);
      return 2;
    }
    say(err.exitCode ? err.message : `depgate-npm: ${err.stack || err}`);
    return err.exitCode || 3;
  }
}

module.exports = { main, parseArgs, USAGE };
