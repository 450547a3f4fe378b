'use strict';
// How each package manager is pointed at the proxy without touching the user's
// configuration files:
// - npm, pnpm and yarn 1 all read `npm_config_registry` and `npm_config_@scope:registry`
//   from the environment, and the environment beats the project's and the user's .npmrc.
// - npm rewrites lockfile `resolved` URLs onto the configured registry
//   (`replace-registry-host=always` extends that from registry.npmjs.org to every host,
//   so pins on a scoped registry come through the proxy too); pnpm's lockfile records
//   no registry URL.
// - yarn 1 fetches yarn.lock's `resolved` URLs as written, so for the run yarn.lock's
//   registry URLs are pointed at the proxy and put back afterwards.
// - npm and yarn record the registry they used in the lockfiles they write; proxy URLs
//   (whose port dies with the run) are mapped back onto the real registries.

const fs = require('node:fs');
const path = require('node:path');
const { withSlash } = require('./npmrc');

const YARN_DEFAULT = 'https://registry.yarnpkg.com/';

/** The environment for a client: every registry setting pointed at `proxyNpm`. */
function clientEnv(baseEnv, proxyNpm, scopes) {
  const env = {};
  for (const [k, v] of Object.entries(baseEnv)) {
    const lower = k.toLowerCase();
    // Drop every spelling of the settings we own, so no stale one wins.
    if (lower === 'npm_config_registry' || lower === 'yarn_registry' || lower === 'npm_config_replace_registry_host') continue;
    if (/^npm_config_@[^:]+:registry$/.test(lower)) continue;
    env[k] = v;
  }
  env.npm_config_registry = proxyNpm;
  env.YARN_REGISTRY = proxyNpm;
  env.npm_config_replace_registry_host = 'always';
  for (const scope of Object.keys(scopes)) env[`npm_config_${scope}:registry`] = proxyNpm;
  return env;
}

/** True when `cmd` is yarn (classic); yarn.lock then needs its URLs pointed at the proxy. */
function isYarn(cmd) {
  const base = path.basename(cmd).replace(/\.(cmd|exe|js|cjs)$/i, '');
  return base === 'yarn' || base === 'yarnpkg';
}

/** The registry URLs a yarn.lock may name, longest first. */
function registryPrefixes(npmrc) {
  const set = new Set([YARN_DEFAULT, 'https://registry.npmjs.org/', withSlash(npmrc.registry), ...Object.values(npmrc.scopes).map(withSlash)]);
  return [...set].sort((a, b) => b.length - a.length);
}

const RESOLVED = /^(\s+resolved\s+"?)([^"\s]+)("?)$/gm;

/** yarn.lock text with every registry `resolved` URL moved onto the proxy. */
function yarnLockToProxy(text, npmrc, proxyNpm) {
  const prefixes = registryPrefixes(npmrc);
  return text.replace(RESOLVED, (line, head, url, tail) => {
    const p = prefixes.find((pre) => url.startsWith(pre));
    return p ? head + proxyNpm + url.slice(p.length) + tail : line;
  });
}

/** `s` with regular-expression metacharacters escaped. */
function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The reverse: every proxy URL in a lockfile back onto the registry its name comes
 * from (its scope's registry, else `publicDefault` when the default registry is the
 * public one, else the default registry), so no lockfile keeps a run's port.
 */
function lockfileFromProxy(text, npmrc, proxyNpm, publicDefault) {
  const def = /registry\.(npmjs\.org|yarnpkg\.com)/.test(npmrc.registry) ? publicDefault : withSlash(npmrc.registry);
  return text.replace(new RegExp(escapeRe(proxyNpm) + '([^"\'\\s#]*)', 'g'), (url, rest) => {
    const scope = rest.startsWith('@') ? decodeURIComponent(rest.split('/')[0]).toLowerCase() : null;
    return (scope && npmrc.scopes[scope] ? withSlash(npmrc.scopes[scope]) : def) + rest;
  });
}

const LOCKFILES = [
  ['package-lock.json', 'https://registry.npmjs.org/'],
  ['npm-shrinkwrap.json', 'https://registry.npmjs.org/'],
  ['pnpm-lock.yaml', 'https://registry.npmjs.org/'],
  ['yarn.lock', YARN_DEFAULT],
];

/** Writes `text` to `file` through a temporary file in the same folder and a rename, so a
 * crash never leaves half a lockfile. */
function writeAtomic(file, text) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.depgate-npm-${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Where the original yarn.lock waits while a run has it pointed at the proxy. */
function backupOf(file) {
  return path.join(path.dirname(file), `.${path.basename(file)}.depgate-npm-original`);
}

function readOrNull(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Gets the project's lockfiles ready for a run through the proxy (yarn.lock's URLs on
 * the proxy when `yarn` runs) and returns restore(): a lockfile the client left as we
 * found it gets its original bytes back; one it wrote or changed gets every proxy URL
 * mapped back onto its registry.
 */
function prepareLockfiles(projectDir, npmrc, proxyNpm, { yarn = false } = {}) {
  const saved = [];
  for (const [name, publicDefault] of LOCKFILES) {
    const file = path.join(projectDir, name);
    const backup = backupOf(file);
    // A run that was killed before it could put the original back left it here.
    const left = readOrNull(backup);
    if (left !== null) {
      process.stderr.write(`depgate-npm: restoring ${name} from ${path.basename(backup)} (an earlier run was killed before it could)\n`);
      writeAtomic(file, left);
      fs.rmSync(backup, { force: true });
    }
    const original = readOrNull(file);
    let written = original;
    let backedUp = false;
    if (yarn && name === 'yarn.lock' && original !== null && /# yarn lockfile v1/.test(original)) {
      written = yarnLockToProxy(original, npmrc, proxyNpm);
      if (written !== original) {
        writeAtomic(backup, original);
        backedUp = true;
        writeAtomic(file, written);
      }
    }
    saved.push({ file, original, written, publicDefault, backup: backedUp ? backup : null });
  }
  let done = false;
  return function restore() {
    if (done) return;
    done = true;
    for (const { file, original, written, publicDefault, backup } of saved) {
      const now = readOrNull(file);
      if (now !== null && now === written) {
        if (original !== written) writeAtomic(file, original);
      } else if (now !== null) {
        const fixed = lockfileFromProxy(now, npmrc, proxyNpm, publicDefault);
        if (fixed !== now) writeAtomic(file, fixed);
      }
      if (backup) fs.rmSync(backup, { force: true });
    }
  };
}

module.exports = { writeAtomic, clientEnv, isYarn, yarnLockToProxy, lockfileFromProxy, prepareLockfiles };
