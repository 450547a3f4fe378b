'use strict';
// Starts `depgate serve` on a free port and stops it so that its report is written.
// The proxy runs in its own process group: a Ctrl-C in the terminal reaches the
// package manager, and the proxy keeps serving until we stop it after the client.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts the proxy. `opts`: bin, config, out, project, workDir, env, verbose.
 * Resolves to { npm: "http://127.0.0.1:PORT/npm/", port, pid, stop() }, or rejects with
 * an Error carrying `exitCode` (depgate's) and the proxy's stderr in the message.
 */
async function startProxy(opts) {
  const readyFile = path.join(opts.workDir, 'ready.json');
  const logFile = path.join(opts.workDir, 'serve.log');
  const args = ['serve', '--port', '0', '--ready-file', readyFile, '--out', opts.out, '--project', opts.project];
  if (opts.config) args.push('--config', opts.config);
  const log = fs.openSync(logFile, 'w');
  const child = spawn(opts.bin, args, {
    env: opts.env,
    stdio: ['ignore', opts.verbose ? 'inherit' : log, opts.verbose ? 'inherit' : log],
    detached: process.platform !== 'win32',
  });
  fs.closeSync(log);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on('error', (err) => {
      exited = { code: null, signal: null, error: err };
      resolve(exited);
    });
  });

  const failure = (what) => {
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim() : '';
    const err = new Error(`depgate-npm: the depgate proxy ${what}${text ? ':\n' + text : ''}`);
    err.exitCode = exited && typeof exited.code === 'number' && exited.code !== 0 ? exited.code : 3;
    return err;
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = null;
  while (!ready) {
    if (exited) throw failure(exited.error ? `could not start (${exited.error.message})` : `exited before it was ready (code ${exited.code})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw failure(`was not ready after ${READY_TIMEOUT_MS / 1000} s`);
    }
    try {
      ready = JSON.parse(fs.readFileSync(readyFile, 'utf8'));
    } catch {
      await sleep(50);
    }
  }

  let stopping = null;
  /** SIGTERM, then wait for the exit (the report is written on the way out). */
  function stop() {
    if (!stopping) {
      stopping = (async () => {
        if (!exited) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const res = await exitPromise;
        clearTimeout(timer);
        return { ...res, log: logFile };
      })();
    }
    return stopping;
  }
  return { npm: ready.npm, port: ready.port, pid: child.pid, logFile, stop };
}

module.exports = { startProxy };
