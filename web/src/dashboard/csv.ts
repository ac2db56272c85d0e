// CSV export of the read report (RFC 4180: fields with a comma, quote or line break are quoted,
// quotes doubled, CRLF between records), downloaded as a Blob so nothing leaves the browser.
import type { RecipientReadRow } from '../../../sdk/js/src/index.ts';
import { groupLabel } from '../util.ts';

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // A leading = + - @ makes spreadsheets run the cell as a formula; a quote mark defuses it.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export const RECIPIENT_COLUMNS = ['handle', 'full_name', 'group', 'read', 'read_at', 'delivered_at', 'reminders', 'deactivated'];

export function recipientsCsv(rows: RecipientReadRow[]): string {
  return toCsv(RECIPIENT_COLUMNS, rows.map((r) => [
    r.handle, r.full_name, groupLabel(r), r.is_read ? 'yes' : 'no', r.read_at ?? '', r.delivered_at ?? '',
    r.reminders ?? '', r.deactivated === undefined ? '' : r.deactivated ? 'yes' : 'no',
  ]));
}

export function downloadCsv(filename: string, text: string) {
  // The BOM lets spreadsheet programs read the UTF-8 names (CJK, accents) correctly.
  const blob = new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke after the click has been handled, or some browsers cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
