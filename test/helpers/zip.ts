// Minimal zip reader for our own wheels (and pip-built ones): enough to read
// METADATA for the index page and to let tests look inside a wheel, without a
// dependency. Handles stored and deflated members; no zip64, no encryption.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** All members of a zip file, by archive path, decompressed. Throws on a malformed zip. */
export function readZip(file: string): Map<string, Buffer> {
  const buf = readFileSync(file);
  // The end-of-central-directory record is the last 22 bytes plus an optional comment.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);

  const members = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`${file}: bad central directory`);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const localOffset = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;

    if (buf.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new Error(`${file}: bad local header for ${name}`);
    const dataStart = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    const raw = buf.subarray(dataStart, dataStart + compressedSize);
    if (method === 0) members.set(name, Buffer.from(raw));
    else if (method === 8) members.set(name, inflateRawSync(raw));
    else throw new Error(`${file}: ${name} uses unsupported compression ${method}`);
  }
  return members;
}

/** One member as text, e.g. readZipText(whl, 'evilname-1.0.dist-info/entry_points.txt'). */
export function readZipText(file: string, member: string): string {
  const data = readZip(file).get(member);
  if (data === undefined) throw new Error(`${file} has no member ${member}`);
  return data.toString('utf8');
}

/** The .dist-info/METADATA of a wheel as text, or undefined if there is none. */
export function wheelMetadata(file: string): string | undefined {
  for (const [name, data] of readZip(file)) {
    if (/^[^/]+\.dist-info\/METADATA$/.test(name)) return data.toString('utf8');
  }
  return undefined;
}
