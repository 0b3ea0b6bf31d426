import { deflateSync } from 'node:zlib';
import { extractText } from '../tmp-dist/server/files/extract-text.js';
import { extractPool } from '../tmp-dist/server/files/extract-pool.js';
const encode = (t) => new TextEncoder().encode(t);
const stream = 'BT /F1 18 Tf 72 720 Td (Hello from dist) Tj ET';
const objs = ['<< /Type /Catalog /Pages 2 0 R >>','<< /Type /Pages /Kids [4 0 R] /Count 1 >>','<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>','<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>',`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`];
let pdf = '%PDF-1.4\n'; const off = [];
for (const [i, b] of objs.entries()) { off.push(pdf.length); pdf += `${i + 1} 0 obj\n${b}\nendobj\n`; }
const x = pdf.length; pdf += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + off.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') + `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${x}\n%%EOF\n`;
const t = Date.now();
console.log(JSON.stringify(await extractText(encode(pdf), { mediaType: 'application/pdf', kind: 'pdf' })), Date.now() - t, 'ms');
console.log(await extractText(encode(pdf), { mediaType: 'application/pdf', kind: 'pdf' }, { timeoutMs: 1 }).catch((e) => e.message));
console.log(extractPool().stats());
