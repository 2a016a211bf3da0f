// `zbak inspect`: what is inside an archive, for people and for --json.
import type { VerifiedArchive } from '../archive/reader.js';
import { humanBytes } from '../model/bytes.js';
import { printable } from '../model/printable.js';

export function inspectSummary(v: VerifiedArchive): Record<string, unknown> {
  const h = v.header;
  return {
    format: `${h.format} v${h.formatVersion}`,
    createdAt: h.createdAt,
    tool: `${h.tool.name} ${h.tool.version}`,
    source: h.source,
    zone: h.zone,
    snapshotName: h.snapshotName,
    ...(h.base ? { base: h.base } : {}),
    images: h.images,
    streams: h.streams.map((s) => {
      const sum = v.trailer.streams.find((t) => t.id === s.id);
      return { ...s, size: sum?.size, sha256: sum?.sha256, parts: sum?.parts.length };
    }),
    ...(h.space ? { space: h.space } : {}),
  };
}

export function formatInspect(v: VerifiedArchive): string {
  const h = v.header;
  const out = [
    `archive:  ${h.format} format ${h.formatVersion}, written by ${h.tool.name} ${h.tool.version} at ${h.createdAt}`,
    `source:   ${h.source.hostname} (${h.source.sysinfoUuid}), platform ${h.source.platform}, pool ${h.source.pool}`,
    `zone:     ${h.zone.uuid}${h.zone.alias ? ` (${h.zone.alias})` : ''}, brand ${h.zone.brand}, ${h.zone.state} at save, autoboot ${h.zone.autoboot}`,
    `snapshot: @${h.snapshotName}`,
    ...(h.base ? [`chain:    incremental from ${h.base.archive} (@${h.base.snapshotName}, ${h.base.createdAt}); restore needs it beside this file`] : []),
    'images (base first):',
    ...h.images.map((i) => `  ${i.uuid}  ${i.name}@${i.version} ${i.type}${i.origin ? ` (origin ${i.origin})` : ''}  @final guid ${i.finalGuid}`),
    'streams (receive order):',
  ];
  for (const s of h.streams) {
    const sum = v.trailer.streams.find((t) => t.id === s.id);
    const from = s.from ? ` from ${s.from.dataset}@${s.from.snapshot}` : '';
    out.push(`  ${s.id} ${s.role.padEnd(8)} ${s.dataset}  ${s.kind}${from} -> @${s.to.snapshot}  ${sum?.size ?? '?'} bytes in ${sum?.parts.length ?? '?'} parts`);
    out.push(`       snapshots: ${s.snapshots.map((x) => `${x.name}(${x.guid})`).join(' ')}`);
  }
  if (h.space) {
    const total = Object.values(h.space).reduce((a, b) => a + b, 0);
    out.push(`space:    ${humanBytes(total)} used on ${h.source.hostname} by the streamed datasets (restore checks the pool has it)`);
  }
  // Every line carries archive text (alias, hostname, image names): escape control characters.
  return out.map(printable).join('\n');
}
