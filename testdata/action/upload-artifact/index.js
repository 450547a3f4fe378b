// Test stand-in for actions/upload-artifact (see action.yml): uploads every file under
// `path` with @actions/artifact, rooted at `path`, like the real action does for a folder.
'use strict';
const fs = require('fs');
const path = require('path');
const { DefaultArtifactClient } = require('@actions/artifact');

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] || '').trim();

function filesUnder(dir, hidden) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!hidden && entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p, hidden));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

async function main() {
  const name = input('name');
  const root = path.resolve(input('path'));
  const hidden = input('include-hidden-files') === 'true';
  const files = fs.existsSync(root) ? (fs.statSync(root).isDirectory() ? filesUnder(root, hidden) : [root]) : [];
  if (files.length === 0) {
    const how = input('if-no-files-found') || 'warn';
    const msg = `no files found at ${root}; no artifact uploaded`;
    if (how === 'error') throw new Error(msg);
    if (how === 'warn') console.log(`::warning::${msg}`);
    return;
  }
  const rootDir = fs.statSync(root).isDirectory() ? root : path.dirname(root);
  const { id, size } = await new DefaultArtifactClient().uploadArtifact(name, files, rootDir);
  console.log(`uploaded artifact ${name} (id ${id}, ${size} bytes, ${files.length} files)`);
  fs.appendFileSync(process.env.GITHUB_OUTPUT, `artifact-id=${id}\n`);
}

main().catch((e) => {
  console.log(`::error::${e.message}`);
  process.exitCode = 1;
});
