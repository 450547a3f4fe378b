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

/**
 * The reverse: proxy URLs back onto the registry each name comes from (its scope's
 * registry, else yarn's default spelling of the public registry, else the default).
 */
function yarnLockFromProxy(text, npmrc, proxyNpm) {
  const publicDefault = /registry\.(npmjs\.org|yarnpkg\.com)/.test(npmrc.registry) ? YARN_DEFAULT : withSlash(npmrc.registry);
  return text.replace(RESOLVED, (line, head, url, tail) => {
    if (!url.startsWith(proxyNpm)) return line;
    const rest = url.slice(proxyNpm.length);
    const scope = rest.startsWith('@') ? decodeURIComponent(rest.split('/')[0]).toLowerCase() : null;
    const base = scope && npmrc.scopes[scope] ? withSlash(npmrc.scopes[scope]) : publicDefault;
    return head + base + rest + tail;
  });
}

/**
 * Points the project's yarn.lock at the proxy for the run. Returns restore(), which
 * puts the original bytes back when yarn left the file as we wrote it, and otherwise
 * (yarn changed it) maps the proxy URLs back onto the registries.
 */
function pointYarnLock(projectDir, npmrc, proxyNpm) {
  const file = path.join(projectDir, 'yarn.lock');
  let original;
  try {
    original = fs.readFileSync(file, 'utf8');
  } catch {
    return () => {};
  }
  if (!/# yarn lockfile v1/.test(original)) return () => {}; // yarn 2+ (berry) has its own config
  const rewritten = yarnLockToProxy(original, npmrc, proxyNpm);
  if (rewritten === original) return () => {};
  fs.writeFileSync(file, rewritten);
  let done = false;
  return function restore() {
    if (done) return;
    done = true;
    let now;
    try {
      now = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    fs.writeFileSync(file, now === rewritten ? original : yarnLockFromProxy(now, npmrc, proxyNpm));
  };
}

module.exports = { clientEnv, isYarn, yarnLockToProxy, yarnLockFromProxy, pointYarnLock };
