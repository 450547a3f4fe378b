'use strict';
// Turns the proxy's decisions.json into the few lines a user reads at the end of an
// install: counts by decision, then every package that was not simply allowed, with
// its rule, message and remedy.

const fs = require('node:fs');
const path = require('node:path');

const ORDER = ['allow', 'warn', 'quarantine', 'deny', 'error'];
const BLOCKING = new Set(['quarantine', 'deny', 'error']);

/** Reads DIR/decisions.json; null when the proxy wrote none. */
function readDecisions(outDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, 'decisions.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** The decisions that are not `allow`, as { purl, decision, findings: [{rule, msg, remedy, until}] }. */
function notAllowed(doc) {
  return (doc && doc.decisions ? doc.decisions : [])
    .filter((d) => d.decision !== 'allow')
    .map((d) => ({ purl: d.package && d.package.purl, decision: d.decision, findings: d.findings || [] }));
}

/** Number of blocking (quarantine, deny, error) decisions. */
function blockedCount(doc) {
  return notAllowed(doc).filter((d) => BLOCKING.has(d.decision)).length;
}

/** The summary text (lines without colour). */
function formatSummary(doc, outDir) {
  const lines = [];
  if (!doc) {
    lines.push(`depgate: no decisions were written (${path.join(outDir, 'decisions.json')} is missing)`);
    return lines.join('\n');
  }
  const counts = doc.counts || {};
  const total = counts.total ?? (doc.decisions || []).length;
  lines.push(`depgate: ${total} file${total === 1 ? '' : 's'} gated through the proxy: ` + ORDER.map((k) => `${counts[k] || 0} ${k}`).join(', '));
  for (const d of notAllowed(doc)) {
    lines.push(`  ${d.decision.padEnd(10)} ${d.purl}`);
    for (const f of d.findings) {
      lines.push(`    ${f.rule}: ${f.msg || f.message || ''}`);
      if (f.remedy && BLOCKING.has(d.decision)) lines.push(`      what to do: ${f.remedy}`);
    }
  }
  lines.push(`depgate: report in ${outDir} (summary.md, decisions.json, audit.jsonl, SBOMs)`);
  return lines.join('\n');
}

module.exports = { readDecisions, notAllowed, blockedCount, formatSummary };
