'use strict';
// The platforms depgate is released for, and how each maps onto npm: the release target
// (the archive depgate-<target>.tar.gz) and the platform package that carries its binary.
// locate.js reads it to name the right package; scripts/platform-packages.js to build them.
// Data only: no file or network access here.

/**
 * One row per release target. `os`/`cpu` are Node's process.platform/process.arch values,
 * which are also what npm matches against a package's `os`/`cpu` fields.
 */
const PLATFORMS = [
  { os: 'linux', cpu: 'x64', target: 'x86_64-unknown-linux-musl' },
  { os: 'linux', cpu: 'arm64', target: 'aarch64-unknown-linux-musl' },
  { os: 'darwin', cpu: 'x64', target: 'x86_64-apple-darwin' },
  { os: 'darwin', cpu: 'arm64', target: 'aarch64-apple-darwin' },
];

/** The scope every platform package lives in. */
const SCOPE = '@depgate';

/** The platform package for an os/cpu pair, e.g. `@depgate/cli-linux-x64`. */
function platformPackage(os = process.platform, cpu = process.arch) {
  return `${SCOPE}/cli-${os}-${cpu}`;
}

/** The released platform for os/cpu, or null when depgate publishes no binary for it. */
function findPlatform(os = process.platform, cpu = process.arch) {
  return PLATFORMS.find((p) => p.os === os && p.cpu === cpu) || null;
}

module.exports = { PLATFORMS, SCOPE, platformPackage, findPlatform };
