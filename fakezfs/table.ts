// Column output shared by zfs list and zfs get: tab-separated with -H,
// otherwise a header and columns padded to the widest cell, two spaces apart.

export interface Column {
  header: string;
  rightAlign: boolean;
}

export function renderTable(cols: readonly Column[], rows: readonly string[][], scripted: boolean): string {
  if (scripted) return rows.map((r) => `${r.join('\t')}\n`).join('');
  const widths = cols.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const w = widths[i] ?? 0;
        const last = i === cells.length - 1;
        if (cols[i]?.rightAlign) return cell.padStart(w);
        return last ? cell : cell.padEnd(w);
      })
      .join('  ');
  return [cols.map((c) => c.header), ...rows].map((r) => `${line(r)}\n`).join('');
}
