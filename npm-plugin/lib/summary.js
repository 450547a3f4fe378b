'use strict';
// Turns the proxy's decisions.json into the few lines a user reads at the end of an
// install: counts by decision, then every package that was not simply allowed, with
// its rule, message and remedy, then the versions the proxy held back from listings
// (`held_back`: hidden from packuments, so a lockfile pinning one fails in npm with
// ETARGET "No matching version found", which cannot say why). The proxy writes
// decisions.json when it stops, which the wrapper does before reading it.

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

/** Versions held back from listings: [{ purl, decision, findings }], newest first per package. */
function heldBack(doc) {
  const list = (doc && doc.held_back ? doc.held_back : []).map((h) => ({
    purl: h.purl,
    name: h.name,
    publishedAt: h.published_at || '',
    decision: h.decision,
    findings: (h.findings || []).filter((f) => f.level === h.decision),
  }));
  list.sort((a, b) => (a.name === b.name ? b.publishedAt.localeCompare(a.publishedAt) : a.name < b.name ? -1 : 1));
  return list;
}

/** Number of versions held back from listings (kept in the report or not). */
function heldBackCount(doc) {
  return heldBack(doc).length + ((doc && doc.held_back_not_kept) || 0);
}

const HELD_LINES = 20;

/**
 * The held-back versions: with `detail`, each with rule, message and remedy (at most
 * HELD_LINES); without, one line naming them.
 */
/** `until <time>: ` when the finding ends on a known date (a cooldown), as summary.md writes it. */
function untilPrefix(f) {
  return f.until ? `until ${f.until}: ` : '';
}

function formatHeldBack(doc, { detail }) {
  const held = heldBack(doc);
  const total = heldBackCount(doc);
  if (!total) return [];
  const lines = [];
  if (!detail) {
    const names = held.slice(0, 5).map((h) => `${h.purl} (${[...new Set(h.findings.map((f) => f.rule))].join(', ')})`);
    const more = total > names.length ? ` and ${total - names.length} more` : '';
    lines.push(`depgate: held back from listings (not offered to the client): ${names.join(', ')}${more}`);
    return lines;
  }
  lines.push(`depgate: ${total} version${total === 1 ? '' : 's'} held back from listings (a client pinning one reports "No matching version"/ETARGET):`);
  for (const h of held.slice(0, HELD_LINES)) {
    lines.push(`  ${h.decision.padEnd(10)} ${h.purl}`);
    for (const f of h.findings) {
      const purlPrefix = `${h.purl}: `;
      const msg = (f.msg || '').startsWith(purlPrefix) ? f.msg.slice(purlPrefix.length) : f.msg || '';
      lines.push(`    ${f.rule}: ${msg}`);
      if (f.remedy) lines.push(`      what to do: ${untilPrefix(f)}${f.remedy}`);
    }
  }
  if (total > Math.min(held.length, HELD_LINES)) lines.push(`  ... and ${total - Math.min(held.length, HELD_LINES)} more (summary.md lists them)`);
  return lines;
}

/**
 * The summary text (lines without colour). `clientFailed`: the held-back versions are
 * listed in full (one of them is the likely cause), else named on one line.
 */
function formatSummary(doc, outDir, { clientFailed = false } = {}) {
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
      if (f.remedy && BLOCKING.has(d.decision)) lines.push(`      what to do: ${untilPrefix(f)}${f.remedy}`);
    }
  }
  lines.push(...formatHeldBack(doc, { detail: clientFailed }));
  lines.push(`depgate: report in ${outDir} (summary.md, decisions.json, audit.jsonl, SBOMs)`);
  return lines.join('\n');
}

module.exports = { readDecisions, notAllowed, blockedCount, heldBack, heldBackCount, formatSummary };
