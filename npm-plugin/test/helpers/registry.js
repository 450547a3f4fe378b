'use strict';
// Fixture npm registries for the tests: real gzipped tarballs and packuments,
// written in the folder layout of depgate's `dir` upstream
// ({root}/{name}/index.json, {root}/{name}/-/{file}.tgz).

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

/** One ustar header block for a regular file. */
function tarHeader(name, size) {
  const h = Buffer.alloc(512, 0);
  const put = (str, off, len) => h.write(str, off, len, 'utf8');
  const octal = (n, len) => n.toString(8).padStart(len - 1, '0') + '\0';
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(1700000000, 12), 136, 12);
  h.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** A tar archive of {path: string|Buffer}, each file padded to 512 bytes, two zero blocks at the end. */
function tar(files) {
  const parts = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    parts.push(tarHeader(name, body.length), body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

/** The gzipped npm tarball of a package: package/package.json and package/index.js. */
function packageTarball(name, version, dependencies = {}) {
  const manifest = { name, version, main: 'index.js', license: 'MIT', dependencies };
  return zlib.gzipSync(
    tar({
      'package/package.json': JSON.stringify(manifest, null, 2) + '\n',
      'package/index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`,
    }),
  );
}

const DAY = 24 * 3600 * 1000;

/**
 * Writes a registry folder. `packages` maps a name to a list of versions:
 * { version, ageDays = 400, dependencies = {} }. Tarball URLs point at `tarballBase`
 * (default the public registry, which is what lockfiles record).
 */
function writeRegistry(root, packages, { tarballBase = 'https://registry.npmjs.org/', now = Date.now() } = {}) {
  for (const [name, versions] of Object.entries(packages)) {
    const dir = path.join(root, name);
    fs.mkdirSync(path.join(dir, '-'), { recursive: true });
    const base = name.split('/').pop();
    const doc = { name, 'dist-tags': {}, versions: {}, time: {} };
    let newest = null;
    for (const v of versions) {
      const tgz = packageTarball(name, v.version, v.dependencies || {});
      const file = `${base}-${v.version}.tgz`;
      fs.writeFileSync(path.join(dir, '-', file), tgz);
      const published = new Date(now - (v.ageDays ?? 400) * DAY).toISOString();
      doc.versions[v.version] = {
        name,
        version: v.version,
        license: 'MIT',
        dependencies: v.dependencies || {},
        dist: {
          tarball: `${tarballBase}${name}/-/${file}`,
          integrity: 'sha512-' + crypto.createHash('sha512').update(tgz).digest('base64'),
          shasum: crypto.createHash('sha1').update(tgz).digest('hex'),
        },
      };
      doc.time[v.version] = published;
      newest = v.version;
    }
    doc['dist-tags'].latest = newest;
    doc.time.created = doc.time[versions[0].version];
    doc.time.modified = doc.time[newest];
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(doc, null, 2));
  }
}

module.exports = { tar, packageTarball, writeRegistry };
