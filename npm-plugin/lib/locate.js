'use strict';
// Finds the depgate binary: DEPGATE_BIN, then the per-platform package installed as an
// optional dependency (@depgate/cli-<platform>-<arch>), then PATH. Pure apart from
// the file-system checks, which the caller can replace in tests.

const fs = require('node:fs');
const path = require('node:path');

/** The per-platform package for this machine, e.g. `@depgate/cli-linux-x64`. */
function platformPackage(platform = process.platform, arch = process.arch) {
  return `@depgate/cli-${platform}-${arch}`;
}

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

class BinaryNotFound extends Error {
  constructor(tried, platformPkg) {
    super(
      [
        'depgate-npm: cannot find the depgate binary. Looked in:',
        ...tried.map((t) => `  - ${t}`),
        'Fix it with one of:',
        '  - set DEPGATE_BIN to the path of a depgate binary',
        `  - install the binary package for this platform: npm install --save-dev ${platformPkg}`,
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
    throw new BinaryNotFound([`DEPGATE_BIN=${env.DEPGATE_BIN} (no executable file there)`], platformPackage(platform, arch));
  }
  tried.push('DEPGATE_BIN (not set)');

  const pkg = platformPackage(platform, arch);
  try {
    const found = resolve(`${pkg}/bin/${exe}`);
    if (exists(found)) return found;
    tried.push(`${pkg}/bin/${exe} (resolved to ${found}, not executable)`);
  } catch {
    tried.push(`${pkg}/bin/${exe} (package not installed)`);
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
  throw new BinaryNotFound(tried, pkg);
}

module.exports = { locateBinary, platformPackage, BinaryNotFound };
