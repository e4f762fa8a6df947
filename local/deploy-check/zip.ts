/**
 * A deterministic zip of a folder, as `sam package` makes of a function's build: the same files give the same
 * bytes (fixed timestamps, sorted names), so the bytes' hash names the S3 object and Lambda's CodeSha256 can be
 * predicted before the upload.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

/** 1980-01-01 00:00, the zip format's earliest time: no build's clock leaks into the bytes. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
    })
    .sort();
}

/** The fields a local header and a central directory entry share, in the same order: version needed to the name's length. */
function sharedFields(header: Buffer, at: number, name: Buffer, crc: number, compressed: number, size: number): void {
  header.writeUInt16LE(20, at); // version needed: deflate
  header.writeUInt16LE(0x0800, at + 2); // names are UTF-8
  header.writeUInt16LE(8, at + 4); // deflate
  header.writeUInt16LE(DOS_TIME, at + 6);
  header.writeUInt16LE(DOS_DATE, at + 8);
  header.writeUInt32LE(crc, at + 10);
  header.writeUInt32LE(compressed, at + 14);
  header.writeUInt32LE(size, at + 18);
  header.writeUInt16LE(name.length, at + 22);
}

function localHeader(name: Buffer, crc: number, compressed: number, size: number): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  sharedFields(header, 4, name, crc, compressed, size);
  return Buffer.concat([header, name]);
}

function centralHeader(name: Buffer, crc: number, compressed: number, size: number, offset: number): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is read
  sharedFields(header, 6, name, crc, compressed, size);
  // Lambda runs the code as another user than the one who built it: every file readable by all (0644).
  header.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  header.writeUInt32LE(offset, 42);
  return Buffer.concat([header, name]);
}

/** The zip of every file under `folder`, named relative to it. */
export function zipFolder(folder: string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const path of filesUnder(folder)) {
    const name = Buffer.from(relative(folder, path).split(sep).join('/'), 'utf8');
    const content = readFileSync(path);
    const deflated = deflateRawSync(content, { level: 9 });
    const crc = crc32(content);
    const local = Buffer.concat([localHeader(name, crc, deflated.length, content.length), deflated]);
    centrals.push(centralHeader(name, crc, deflated.length, content.length, offset));
    locals.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, central, end]);
}

/** Lambda's CodeSha256 of a deployment package: the base64 SHA-256 of its bytes. */
export function codeSha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** The S3 key `sam package` gives an artifact: the MD5 of its bytes, in hex. */
export function artifactKey(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Whether `folder` holds at least one file (a build that ran). */
export function hasFiles(folder: string): boolean {
  try {
    return statSync(folder).isDirectory() && filesUnder(folder).length > 0;
  } catch {
    return false;
  }
}
