'use strict';
// Reads the npm configuration that decides where packages come from: the default
// registry, scoped registries (`@acme:registry=URL`) and the credentials of each
// registry (`//host/path/:_authToken=...`). Pure parsing plus one loader that knows
// npm's file locations; it never prints and never logs a credential.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

/** `${VAR}` and `${VAR?}` expanded the way npm does; an unset variable stays literal. */
function expandEnv(value, env) {
  return value.replace(/(\\*)\$\{([^${}?]+)(\?)?\}/g, (whole, slashes, name, optional) => {
    if (slashes.length % 2) return whole.slice(1);
    if (Object.prototype.hasOwnProperty.call(env, name)) return slashes + env[name];
    return optional ? slashes : whole;
  });
}

/** Ends a registry URL with exactly one slash. */
function withSlash(url) {
  return url.endsWith('/') ? url : url + '/';
}

/**
 * The npm "nerf dart" of a URL: `//host[:port]/path/`, the key npm files credentials
 * under. Protocol, query and credentials are dropped.
 */
function nerfDart(url) {
  const u = new URL(url);
  let dir = u.pathname.endsWith('/') ? u.pathname : u.pathname.replace(/[^/]*$/, '');
  return `//${u.host}${dir}`;
}

/**
 * Parses one .npmrc text into { registry, scopes: {"@acme": url}, auth: {"//host/": {...}} }.
 * Each auth entry may carry `token` (bearer), `basic` (base64 user:password, npm's `_auth`),
 * `username` / `password` (password base64 as npm stores it), and for each of them the
 * name of the environment variable when the value was exactly `${VAR}` (`tokenVar`, ...).
 */
function parseNpmrc(text, env = process.env) {
  const out = { registry: null, scopes: {}, auth: {} };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = expandEnv(line.slice(0, eq).trim(), env);
    let rawValue = line.slice(eq + 1).trim();
    if (/^".*"$/.test(rawValue) || /^'.*'$/.test(rawValue)) rawValue = rawValue.slice(1, -1);
    const whole = /^\$\{([^${}?]+)\}$/.exec(rawValue);
    const value = expandEnv(rawValue, env);
    if (key === 'registry') {
      out.registry = withSlash(value);
      continue;
    }
    const scoped = /^(@[^:/\s]+):registry$/.exec(key);
    if (scoped) {
      out.scopes[scoped[1].toLowerCase()] = withSlash(value);
      continue;
    }
    const cred = /^(\/\/.+?):(_authToken|_auth|username|_password)$/.exec(key);
    if (cred) {
      const dart = cred[1].endsWith('/') ? cred[1] : cred[1] + '/';
      const field = { _authToken: 'token', _auth: 'basic', username: 'username', _password: 'password' }[cred[2]];
      const entry = (out.auth[dart] = out.auth[dart] || {});
      entry[field] = value;
      if (whole) entry[field + 'Var'] = whole[1];
    }
  }
  return out;
}

/** Merges parsed configs; later ones win, as npm's project file beats the user file. */
function mergeNpmrc(...configs) {
  const out = { registry: null, scopes: {}, auth: {} };
  for (const c of configs) {
    if (!c) continue;
    if (c.registry) out.registry = c.registry;
    Object.assign(out.scopes, c.scopes);
    for (const [dart, entry] of Object.entries(c.auth)) out.auth[dart] = { ...out.auth[dart], ...entry };
  }
  return out;
}

/** `npm_config_registry` and `npm_config_@scope:registry` from the environment (npm's env layer). */
function fromEnv(env) {
  const out = { registry: null, scopes: {}, auth: {} };
  for (const [k, v] of Object.entries(env)) {
    if (!v) continue;
    const lower = k.toLowerCase();
    if (lower === 'npm_config_registry') out.registry = withSlash(v);
    const scoped = /^npm_config_(@[^:]+):registry$/.exec(lower);
    if (scoped) out.scopes[scoped[1]] = withSlash(v);
  }
  return out;
}

function readIfExists(file, env) {
  try {
    return parseNpmrc(fs.readFileSync(file, 'utf8'), env);
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'EISDIR') return null;
    throw e;
  }
}

/**
 * The effective registry settings for a project, in npm's order (user file, project
 * file, environment; later wins). `files` lists the files that were read.
 */
function loadNpmrc(projectDir, env = process.env) {
  const userFile = env.npm_config_userconfig || env.NPM_CONFIG_USERCONFIG || path.join(env.HOME || os.homedir(), '.npmrc');
  const projectFile = path.join(projectDir, '.npmrc');
  const user = readIfExists(userFile, env);
  const project = path.resolve(userFile) === path.resolve(projectFile) ? null : readIfExists(projectFile, env);
  const merged = mergeNpmrc(user, project, fromEnv(env));
  merged.registry = merged.registry || DEFAULT_REGISTRY;
  merged.files = [user && userFile, project && projectFile].filter(Boolean);
  return merged;
}

/** The credentials npm would send to `url`: the entry with the longest matching nerf dart. */
function authFor(url, auth) {
  const dart = nerfDart(url);
  let best = null;
  for (const key of Object.keys(auth)) {
    if (dart.startsWith(key) && (!best || key.length > best.length)) best = key;
  }
  return best ? auth[best] : null;
}

module.exports = { DEFAULT_REGISTRY, parseNpmrc, mergeNpmrc, loadNpmrc, fromEnv, authFor, nerfDart, expandEnv, withSlash };
