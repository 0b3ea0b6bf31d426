import { it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { extractText } from './old-extract.js';
const encode = (t: string) => new TextEncoder().encode(t);
function flatePage(size: number): Uint8Array {
  const data = deflateSync(Buffer.alloc(size, 0x20), { level: 9 });
  const head = encode(`%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n4 0 obj\n<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`);
  const tail = encode('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
  return new Uint8Array(Buffer.concat([head, data, tail]));
}
function onePage(stream: string): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (const [i, body] of objects.entries()) { offsets.push(pdf.length); pdf += `${i + 1} 0 obj\n${body}\nendobj\n`; }
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return encode(pdf);
}
it('measures', async () => {
  for (const n of [100e6, 200e6]) {
    const bytes = flatePage(n);
    let ticks = 0; let maxGap = 0; let last = Date.now();
    const iv = setInterval(() => { const now = Date.now(); maxGap = Math.max(maxGap, now - last); last = now; ticks++; }, 10);
    const t = Date.now();
    const r = await extractText(bytes, { mediaType: 'application/pdf', kind: 'pdf' }, { timeoutMs: 60_000 }).catch((e) => String(e));
    clearInterval(iv);
    console.log(n, bytes.length, Date.now() - t, 'ms', typeof r === 'string' ? r.length : r, 'maxGap', maxGap, 'ticks', ticks);
  }
}, 120_000);
