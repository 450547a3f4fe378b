'use strict';
// Finds the depgate binary: DEPGATE_BIN, then the per-platform package installed as an
// optional dependency (@depgate/cli-<platform>-<arch>, its bin/depgate), then PATH. Pure
// apart from the file-system checks, which the caller can replace in tests.

const fs = require('node:fs');
const path = require('node:path');
const { PLATFORMS, platformPackage, findPlatform } = require('./platforms');

function isExecutable(file) {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What to do about a missing platform package: install it, or build from source. */
function packageAdvice(platform, arch) {
  const pkg = platformPackage(platform, arch);
  if (!findPlatform(platform, arch)) {
    const released = PLATFORMS.map((p) => `${p.os}-${p.cpu}`).join(', ');
    return [
      `  - depgate publishes no binary for ${platform}-${arch} (only ${released}), so there is no ${pkg}:`,
      '    build it from source (cargo install --locked --path . in a depgate checkout) and set DEPGATE_BIN',
    ];
  }
  const lines = [`  - install the binary package for this platform: npm install --save-dev ${pkg}@${wrapperVersion()}`];
  if (platform === 'linux') lines.push('    (a static musl build: it runs on glibc and musl (Alpine) systems alike)');
  lines.push(
    '    npm leaves it out with --omit=optional / --no-optional, and a package-lock.json written on another',
    '    platform may lack it (delete node_modules and package-lock.json and install again)',
  );
  return lines;
}

function wrapperVersion() {
  try {
    return require('../package.json').version;
  } catch {
    return 'latest';
  }
}

class BinaryNotFound extends Error {
  constructor(tried, platform, arch) {
    super(
      [
        'depgate-npm: cannot find the depgate binary. Looked in:',
        ...tried.map((t) => `  - ${t}`),
        'Fix it with one of:',
        '  - set DEPGATE_BIN to the path of a depgate binary',
        ...packageAdvice(platform, arch),
        '  - put depgate on PATH (e.g. cargo install --path . in a depgate checkout)',
      ].join('\n'),
    );
    this.name = 'BinaryNotFound';
    this.tried = tried;
  }
}

/**
 * Returns the path of the depgate binary or throws BinaryNotFound naming every place
 * looked. `opts`: env, platform, arch, resolve (like require.resolve), exists.
 */
function locateBinary(opts = {}) {
  const env = opts.env || process.env;
  const platform = opts.platform || process.platform;
  const arch = opts.arch || process.arch;
  const resolve = opts.resolve || ((id) => require.resolve(id));
  const exists = opts.exists || isExecutable;
  const exe = platform === 'win32' ? 'depgate.exe' : 'depgate';
  const tried = [];

  if (env.DEPGATE_BIN) {
    if (exists(env.DEPGATE_BIN)) return env.DEPGATE_BIN;
    // An explicit setting that points nowhere is a mistake to report, not to skip.
    throw new BinaryNotFound([`DEPGATE_BIN=${env.DEPGATE_BIN} (no executable file there)`], platform, arch);
  }
  tried.push('DEPGATE_BIN (not set)');

  // The package's own package.json is always resolvable (whatever `exports` a future
  // version declares); the binary sits beside it in bin/.
  const pkg = platformPackage(platform, arch);
  let manifest = null;
  try {
    manifest = resolve(`${pkg}/package.json`);
  } catch {
    tried.push(`${pkg} (package not installed)`);
  }
  if (manifest) {
    const found = path.join(path.dirname(manifest), 'bin', exe);
    if (exists(found)) return found;
    tried.push(`${pkg} (installed at ${path.dirname(manifest)}, but ${found} is missing or not executable)`);
  }

  const dirs = (env.PATH || env.Path || '').split(path.delimiter).filter(Boolean);
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT || '.EXE').split(';')] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, 'depgate' + ext);
      if (exists(candidate)) return candidate;
    }
  }
  tried.push(`PATH (${dirs.length} folders, no depgate)`);
  throw new BinaryNotFound(tried, platform, arch);
}

module.exports = { locateBinary, platformPackage, BinaryNotFound };
