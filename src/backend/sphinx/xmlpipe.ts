/**
 * Rows as Sphinx's xmlpipe2 stream (what `indexer` builds a plain index from): the schema, one
 * `<sphinx:document>` per row, the end. Text is escaped for XML, and characters XML 1.0 cannot
 * carry (control characters other than tab and newline, lone surrogates, U+FFFE/U+FFFF) are
 * dropped from the stored document (tokens never hold them).
 *
 * Owns: the stream's text. Must not: choose what goes into a row.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { SPHINX_ATTRS, SPHINX_FIELDS, xmlpipeHeader, XMLPIPE_FOOTER } from './conf.js';
import type { SphinxRow } from './rows.js';

// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One row as an xmlpipe2 document. */
export function xmlDocument(row: SphinxRow): string {
  let out = `<sphinx:document id="${row.sid}">`;
  for (const f of SPHINX_FIELDS) out += `<${f}>${xmlText(row.fields[f])}</${f}>`;
  for (const a of SPHINX_ATTRS) {
    const v = row.attrs[a.name as keyof SphinxRow['attrs']];
    out += `<${a.name}>${Array.isArray(v) ? v.join(',') : xmlText(String(v))}</${a.name}>`;
  }
  return `${out}</sphinx:document>\n`;
}

/** Writes an xmlpipe2 file row by row (with back-pressure). */
export class XmlpipeWriter {
  private readonly out: WriteStream;
  count = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.out.write(xmlpipeHeader());
  }

  async write(row: SphinxRow): Promise<void> {
    this.count++;
    if (!this.out.write(xmlDocument(row))) await new Promise<void>((res) => this.out.once('drain', () => res()));
  }

  close(): Promise<void> {
    return new Promise((res, rej) => this.out.end(XMLPIPE_FOOTER, () => this.out.close((err) => (err ? rej(err) : res()))));
  }
}
