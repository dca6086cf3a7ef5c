// The wire format of src/wire/codec.h, in JavaScript: values, rows, result sets. Plumbing only:
// bytes in and out of the Wasm core, no SQL knowledge.
export type SqlValue = null | number | bigint | string | ArrayBuffer | Uint8Array | boolean | Real;

// A REAL whose value happens to be integral (JSON `2.0`, `1e3`): binds as REAL, as SQLite's own
// JSON reader and its literals treat those numbers. Plain JS numbers bind as INTEGER when they are
// exact 64-bit integers, else as REAL.
export class Real {
  constructor(readonly value: number) {}
}
import { ValueType } from "./abi";

const enc = new TextEncoder();
const dec = new TextDecoder();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;

// Why a value cannot be bound (null: it can), for errors that name the parameter.
export function unbindable(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "number": return Number.isNaN(v) ? "NaN is not a SQL value" : null;
    case "bigint": return v < INT64_MIN || v > INT64_MAX ? "integer out of the 64-bit range" : null;
    case "boolean": case "string": return null;
  }
  if (v instanceof Real || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return null;
  if (Array.isArray(v))
    return v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? null : "an array binds as a blob only when it holds byte values (0 to 255)";
  return `unsupported type ${v === null ? "null" : typeof v}${typeof v === "object" ? " (object)" : ""}`;
}

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
  patchU32(at: number, v: number) { this.view.setUint32(at, v, true); }
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
  // A safe integer as a wire INTEGER (two 32-bit halves, no BigInt).
  int(v: number) {
    this.ensure(9);
    this.buf[this.pos] = 1;
    const hi = Math.floor(v / TWO_32);
    this.view.setUint32(this.pos + 1, v - hi * TWO_32, true);
    this.view.setInt32(this.pos + 5, hi, true);
    this.pos += 9;
  }
  value(v: SqlValue | undefined) {
    if (v === null || v === undefined) return this.u8(ValueType.Null);
    switch (typeof v) {
      case "number":
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) return this.int(v);
        // Integral doubles inside the 64-bit range are exact integers; anything else is a REAL.
        if (Number.isInteger(v) && v >= -TWO_63 && v < TWO_63) { this.u8(ValueType.Integer); this.i64(BigInt(v)); return; }
        if (Number.isNaN(v)) throw new TypeError("NaN is not a SQL value");
        this.u8(ValueType.Real); this.f64(v);
        return;
      case "bigint":
        if (v < INT64_MIN || v > INT64_MAX) throw new TypeError(`integer ${v} is out of the 64-bit range`);
        this.u8(ValueType.Integer); this.i64(v); return;
      case "boolean": this.int(v ? 1 : 0); return;
      case "string": this.u8(ValueType.Text); this.str(v); return;
    }
    if (v instanceof Real) { this.u8(ValueType.Real); this.f64(v.value); return; }
    if (v instanceof ArrayBuffer) { this.u8(ValueType.Blob); this.bytes(new Uint8Array(v)); return; }
    if (ArrayBuffer.isView(v)) { this.u8(ValueType.Blob); this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); return; }
    const why = unbindable(v);
    if (why) throw new TypeError(`cannot bind this value: ${why}`);
    this.u8(ValueType.Blob); this.bytes(Uint8Array.from(v as unknown as number[]));
  }
  row(values: readonly (SqlValue | undefined)[]) { this.u32(values.length); for (const v of values) this.value(v); }
  finish(): Uint8Array { return this.buf.subarray(0, this.pos); }
}

export type IntMode = "number" | "bigint";

export class Reader {
  private view: DataView;
  pos = 0;
  // markReals: an integral REAL comes back as a Real (JSON answers write it as a REAL), not a number.
  constructor(private buf: Uint8Array, private markReals = false) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8() { return this.buf[this.pos++]; }
  remaining() { return this.buf.length - this.pos; }
  u32() { const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i64() { const v = this.view.getBigInt64(this.pos, true); this.pos += 8; return v; }
  f64() { const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v; }
  bytes(): Uint8Array { const n = this.u32(); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  str(): string { return dec.decode(this.bytes()); }
  // Integers beyond 2^53 cannot be JS numbers without loss: they come back as BigInt.
  value(): SqlValue {
    switch (this.u8()) {
      case ValueType.Null: return null;
      case ValueType.Integer: return exactNumber(this.i64());
      case ValueType.Real: { const f = this.f64(); return this.markReals && Number.isInteger(f) ? new Real(f) : f; }
      case ValueType.Text: return this.str();
      case ValueType.Blob: return this.bytes().slice().buffer;
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
    const changes = exactNumber(this.i64());
    const lastInsertRowid = exactNumber(this.i64());
    return { columns, rows, changes, lastInsertRowid };
  }
}

// Integers beyond 2^53 cannot be JS numbers without loss: they stay BigInt.
function exactNumber(v: bigint): number | bigint {
  return v > MAX_SAFE || v < -MAX_SAFE ? v : Number(v);
}

export interface ResultSet {
  columns: string[];
  rows: SqlValue[][];
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}
