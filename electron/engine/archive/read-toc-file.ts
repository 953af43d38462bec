import { createReadStream } from 'node:fs';
import { ByteReader } from './byte-reader.js';
import { readArchiveHead, readToc, type TocEntry } from './custom-format.js';

/** The table of contents of a custom-format archive on disk (reads the header and TOC only). */
export async function readTocOfFile(file: string): Promise<TocEntry[]> {
  const stream = createReadStream(file);
  try {
    const { head, ints } = await readArchiveHead(new ByteReader(stream));
    return await readToc(head, ints);
  } finally {
    stream.destroy();
  }
}
