// The wire format of src/wire/codec.h, in JavaScript: values, rows, result sets. Plumbing only:
// bytes in and out of the Wasm core, no SQL knowledge.
export type SqlValue = null | number | bigint | string | ArrayBuffer | Uint8Array | boolean;

const enc = new TextEncoder();
const dec = new TextDecoder();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;
  constructor(size = 256) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  private ensure(n: number) {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number) { this.ensure(1); this.buf[this.pos++] = v; }
  u32(v: number) { this.ensure(4); this.view.setUint32(this.pos, v, true); this.pos += 4; }
  i64(v: bigint) { this.ensure(8); this.view.setBigInt64(this.pos, v, true); this.pos += 8; }
  f64(v: number) { this.ensure(8); this.view.setFloat64(this.pos, v, true); this.pos += 8; }
  bytes(b: Uint8Array) { this.u32(b.length); this.ensure(b.length); this.buf.set(b, this.pos); this.pos += b.length; }
  str(s: string) {
    // Worst case 3 bytes per UTF-16 unit; encodeInto avoids an intermediate copy.
    this.ensure(4 + s.length * 3);
    const { written } = enc.encodeInto(s, this.buf.subarray(this.pos + 4));
    this.view.setUint32(this.pos, written!, true);
    this.pos += 4 + written!;
  }
  value(v: SqlValue | undefined) {
    if (v === null || v === undefined) return this.u8(0);
    switch (typeof v) {
      case "number":
        if (Number.isInteger(v) && !Object.is(v, -0)) { this.u8(1); this.i64(BigInt(v)); }
        else { this.u8(2); this.f64(v); }
        return;
      case "bigint": this.u8(1); this.i64(BigInt.asIntN(64, v)); return;
      case "boolean": this.u8(1); this.i64(v ? 1n : 0n); return;
      case "string": this.u8(3); this.str(v); return;
    }
    if (v instanceof ArrayBuffer) { this.u8(4); this.bytes(new Uint8Array(v)); return; }
    if (ArrayBuffer.isView(v)) { this.u8(4); this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); return; }
    if (Array.isArray(v)) { this.u8(4); this.bytes(Uint8Array.from(v as number[])); return; }
    throw new TypeError(`cannot bind a value of type ${typeof v}`);
  }
  row(values: readonly (SqlValue | undefined)[]) { this.u32(values.length); for (const v of values) this.value(v); }
  finish(): Uint8Array { return this.buf.subarray(0, this.pos); }
}

export type IntMode = "number" | "bigint";

export class Reader {
  private view: DataView;
  pos = 0;
  constructor(private buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8() { return this.buf[this.pos++]; }
  u32() { const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i64() { const v = this.view.getBigInt64(this.pos, true); this.pos += 8; return v; }
  f64() { const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v; }
  bytes(): Uint8Array { const n = this.u32(); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  str(): string { return dec.decode(this.bytes()); }
  // Integers beyond 2^53 cannot be JS numbers without loss: they come back as BigInt.
  value(): SqlValue {
    switch (this.u8()) {
      case 0: return null;
      case 1: { const v = this.i64(); return v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v); }
      case 2: return this.f64();
      case 3: return this.str();
      case 4: return this.bytes().slice().buffer;
      default: throw new Error("corrupt value in wire message");
    }
  }
  row(): SqlValue[] { const n = this.u32(); const r = new Array(n); for (let i = 0; i < n; i++) r[i] = this.value(); return r; }
  resultSet(): ResultSet {
    const nc = this.u32();
    const columns: string[] = new Array(nc);
    for (let i = 0; i < nc; i++) columns[i] = this.str();
    const nr = this.u32();
    const rows: SqlValue[][] = new Array(nr);
    for (let r = 0; r < nr; r++) {
      const row = new Array(nc);
      for (let c = 0; c < nc; c++) row[c] = this.value();
      rows[r] = row;
    }
    const changes = Number(this.i64());
    const lastInsertRowid = Number(this.i64());
    return { columns, rows, changes, lastInsertRowid };
  }
}

export interface ResultSet {
  columns: string[];
  rows: SqlValue[][];
  changes: number;
  lastInsertRowid: number;
}
