// A sqllogictest runner for the Worker path: the same rules as src/native/slt.cpp (which follows
// SQLite's sqllogictest.c for records, sorting and hashing, and slt_sqlite.c for rendering values),
// ported to TypeScript so the integration suite can run the suite through the Worker inside workerd.
//
// Values arrive from the Worker as JS values: null, number (integers within 2^53 and reals alike),
// bigint (integers beyond 2^53), string, ArrayBuffer (blobs). An integer-valued REAL is a JS number
// indistinguishable from an integer; the 'I'/'R' type letters decide the rendering, so that only
// matters for a REAL shown with 'T', which renders here as the integer would ("3", not "3.0").
import { createHash } from "node:crypto";

export type SltValue = null | number | bigint | string | ArrayBuffer | Uint8Array | boolean;

export interface SltResult {
  columns: string[];
  rows: SltValue[][];
}

// One statement or query; throws on an SQL error.
export type SltEngine = (sql: string) => Promise<SltResult>;

export interface SltStats {
  passed: number;
  failed: number;
  skipped: number;
  // Of `passed`: queries expecting no rows that failed in the engine and in plain SQLite alike.
  passedOnError: number;
  failures: string[];  // "name:line: what" and the details, for each failed record
}

export interface SltOptions {
  maxReported?: number;  // failures described in full (default 20); the count is always exact
  // First lines of the query records plain SQLite fails on (`bigdaddy slt --engine sqlite
  // --query-errors`). An engine error passes a query expecting no rows only on these; without the
  // list, never.
  sqliteQueryErrors?: Iterable<number>;
}

// ---------------------------------------------------------------------------------------------
// SQLite's value conversions (sqlite3_column_int64 / _double / _text) over JS values.

const isSpace = (c: string) => c === " " || (c >= "\t" && c <= "\r");
const isDigit = (c: string) => c >= "0" && c <= "9";
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const utf8 = new TextDecoder();

// Text and blobs reach the C harness as C strings, so a NUL ends them.
function cString(s: string): string {
  const n = s.indexOf("\0");
  return n < 0 ? s : s.slice(0, n);
}

function blobText(v: ArrayBuffer | Uint8Array): string {
  const bytes = v instanceof Uint8Array ? v : new Uint8Array(v);
  const n = bytes.indexOf(0);
  return utf8.decode(n < 0 ? bytes : bytes.subarray(0, n));
}

// sqlite3Atoi64's value: optional spaces and sign, the longest run of digits; saturates.
function textToInt64(z: string): bigint {
  let i = 0;
  while (i < z.length && isSpace(z[i])) i++;
  let neg = false;
  if (i < z.length && (z[i] === "-" || z[i] === "+")) neg = z[i++] === "-";
  while (i < z.length && z[i] === "0") i++;
  const start = i;
  while (i < z.length && isDigit(z[i])) i++;
  const digits = z.slice(start, i);
  const saturated = neg ? INT64_MIN : INT64_MAX;
  if (digits.length > 19) return saturated;
  if (digits.length === 19 && digits >= "9223372036854775808") return saturated;
  const u = digits.length ? BigInt(digits) : 0n;
  return neg ? -u : u;
}

// sqlite3AtoF's value: the longest numeric prefix; anything else gives 0.0.
function textToDouble(z: string): number {
  const m = /^[ \t\n\v\f\r]*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/.exec(z);
  return m ? Number(m[1]) : 0;
}

// sqlite3RealToI64.
function realToInt64(r: number): bigint {
  if (Number.isNaN(r)) return 0n;
  if (r < -9223372036854774784.0) return INT64_MIN;
  if (r > 9223372036854774784.0) return INT64_MAX;
  return BigInt(Math.trunc(r));
}

function int64Of(v: SltValue): bigint {
  if (v === null) return 0n;
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number") return realToInt64(v);
  if (typeof v === "string") return textToInt64(cString(v));
  return textToInt64(blobText(v));
}

function doubleOf(v: SltValue): number {
  if (v === null) return 0;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return textToDouble(cString(v));
  return textToDouble(blobText(v));
}

// A positive finite double's 18 significant decimal digits (what sqlite3FpDecode starts from) and
// the position of the decimal point within them.
function decimalDigits(a: number): { z: string; iDP: number } {
  const [mant, exp] = a.toPrecision(18).split("e");
  let z = mant.replace(".", "");
  let iDP = exp === undefined ? (mant.includes(".") ? mant.indexOf(".") : mant.length) : 1 + Number(exp);
  while (z.length > 1 && z[0] === "0") { z = z.slice(1); iDP--; }
  return { z, iDP };
}

// Rounds digit string `z` half-up to `keep` digits (keep >= 1); returns the digits (trailing zeros
// stripped) and the possibly moved decimal point.
function roundDigits(z: string, iDP: number, keep: number): { z: string; iDP: number } {
  if (keep < z.length) {
    const d = z.slice(0, keep).split("").map(Number);
    if (z.charCodeAt(keep) >= 0x35) {
      let k = keep - 1;
      while (k >= 0 && d[k] === 9) d[k--] = 0;
      if (k < 0) { d.unshift(1); iDP++; } else d[k]++;
    }
    z = d.join("");
  }
  z = z.replace(/0+$/, "") || "0";
  return { z, iDP };
}

// SQLite's "%!.17g" for a real (vdbeMemRenderNum, i.e. CAST(r AS TEXT)): 17 significant digits,
// fewer where sqlite3FpDecode finds that a shorter form round-trips (only when the 15th and 16th
// digits are both 9 or the 14th-16th are 0), then %g's choice of fixed or exponent form.
function realText(r: number): string {
  if (Number.isNaN(r)) return "NaN";
  if (!Number.isFinite(r)) return r > 0 ? "Inf" : "-Inf";
  if (r === 0) return "0.0";
  const sign = r < 0 ? "-" : "";
  const a = Math.abs(r);
  let { z, iDP } = decimalDigits(a);
  const n = z.length;
  let iRound = 17;
  if (z[15] === "9" && z[14] === "9") {
    let jj = 14;
    while (jj > 0 && z[jj - 1] === "9") jj--;
    const v2 = jj === 0 ? 1n : BigInt(z.slice(0, jj)) + 1n;
    if (a === Number(`${v2}e${iDP - jj}`)) iRound = jj + 1;
  } else if (iDP >= n || (z[15] === "0" && z[14] === "0" && z[13] === "0")) {
    let jj = 13;
    while (z[jj - 1] === "0") jj--;
    if (a === Number(`${z.slice(0, jj)}e${iDP - jj}`)) iRound = jj + 1;
  }
  ({ z, iDP } = roundDigits(z, iDP, iRound));
  const exp = iDP - 1;
  if (exp < -4 || exp > 16) {
    const frac = z.slice(1) || "0";
    return `${sign}${z[0]}.${frac}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const at = (k: number) => (k >= 0 && k < z.length ? z[k] : "0");
  let int = "";
  if (iDP <= 0) int = "0";
  else for (let k = 0; k < iDP; k++) int += at(k);
  let frac = "";
  for (let k = iDP; k < z.length; k++) frac += at(k);
  return `${sign}${int}.${frac.replace(/0+$/, "") || "0"}`;
}

function textOf(v: SltValue): string {
  if (v === null) return "";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v).toString() : realText(v);
  if (typeof v === "string") return cString(v);
  return blobText(v);
}

// sqlite3_snprintf("%.3f", r) as SQLite 3.53 renders it: the value's 18 significant decimal digits
// (sqlite3FpDecode), rounded half-up to 3 places but to at most 16 significant digits (the rest
// print as zeros); and, as in slt_sqlite.c's 200-byte buffer, a rendering that does not fit comes
// out empty.
function fixed3(r: number): string {
  if (Number.isNaN(r)) return "NaN";
  if (!Number.isFinite(r)) return r > 0 ? "Inf" : "-Inf";
  if (r === 0) return "0.000";
  // The sign stays even when the rounded value is zero ("-0.000"), as sqlite3FpDecode keeps it.
  const sign = r < 0 ? "-" : "";
  let { z, iDP } = decimalDigits(Math.abs(r));
  const keep = iDP + 3;
  if (keep < 0) {
    z = "0";
  } else if (keep === 0) {
    if (z[0] >= "5") { z = "1"; iDP++; } else z = "0";
  } else {
    ({ z, iDP } = roundDigits(z, iDP, Math.min(keep, 16)));
  }
  const at = (k: number) => (k >= 0 && k < z.length ? z[k] : "0");
  let int = "";
  if (iDP <= 0) int = "0";
  else for (let k = 0; k < iDP; k++) int += at(k);
  let frac = "";
  for (let k = iDP; k < iDP + 3; k++) frac += at(k);
  const out = `${sign}${int}.${frac}`;
  return out.length >= 200 ? "" : out;
}

// How slt_sqlite.c renders one value for a column of type 'I', 'R' or 'T'.
export function sltFormatValue(v: SltValue, type: string): string {
  if (v === null || v === undefined) return "NULL";
  switch (type) {
    case "I":
      // sqlite3_column_int: the low 32 bits, "%d".
      return BigInt.asIntN(32, int64Of(v)).toString();
    case "R":
      return fixed3(doubleOf(v));
    default: {
      const s = textOf(v);
      if (s === "") return "(empty)";
      // Bytes outside ' '..'~' print as '@' (per byte of the UTF-8 form).
      let out = "";
      for (const b of new TextEncoder().encode(s)) out += b < 0x20 || b > 0x7e ? "@" : String.fromCharCode(b);
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Statement splitting: sqlite3_complete()'s state machine, so a record holding several statements
// runs them one by one (as sqlite3_exec would) and a trigger body's ';' stays inside its statement.

const tk = { SEMI: 0, WS: 1, OTHER: 2, EXPLAIN: 3, CREATE: 4, TEMP: 5, TRIGGER: 6, END: 7 } as const;
const TRANS = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
];
const isIdChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

export function splitSqlStatements(sql: string): string[] {
  const out: string[] = [];
  const blank = (s: string) => /^[\s;]*$/.test(s);
  let state = 0;
  let begin = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    let token: number = tk.OTHER;
    if (c === ";") token = tk.SEMI;
    else if (c === " " || c === "\r" || c === "\t" || c === "\n" || c === "\f") token = tk.WS;
    else if (c === "/" && sql[i + 1] === "*") {
      const e = sql.indexOf("*/", i + 2);
      if (e < 0) break;
      i = e + 1;
      token = tk.WS;
    } else if (c === "-" && sql[i + 1] === "-") {
      const e = sql.indexOf("\n", i);
      if (e < 0) break;
      i = e;
      token = tk.WS;
    } else if (c === "[" || c === "`" || c === '"' || c === "'") {
      const close = c === "[" ? "]" : c;
      const e = sql.indexOf(close, i + 1);
      if (e < 0) break;
      i = e;
    } else if (isIdChar(c)) {
      let n = 1;
      while (isIdChar(sql[i + n])) n++;
      const w = sql.slice(i, i + n).toLowerCase();
      token = w === "create" ? tk.CREATE : w === "trigger" ? tk.TRIGGER : w === "temp" || w === "temporary" ? tk.TEMP
        : w === "end" ? tk.END : w === "explain" ? tk.EXPLAIN : tk.OTHER;
      i += n - 1;
    }
    state = TRANS[state][token];
    i++;
    if (token === tk.SEMI && state === 1) {
      const piece = sql.slice(begin, i);
      if (!blank(piece)) out.push(piece);
      begin = i;
    }
  }
  const rest = sql.slice(begin);
  if (!blank(rest)) out.push(rest);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The script reader and runner.

function md5Hex(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

function hashLine(values: string[]): string {
  let text = "";
  for (const v of values) text += v + "\n";
  return `${values.length} values hashing to ${md5Hex(text)}`;
}

function showValues(values: string[], ncol: number, maxRows: number): string {
  if (values.length === 0) return "    (no rows)\n";
  ncol = ncol || 1;
  let out = "";
  const rows = Math.ceil(values.length / ncol);
  for (let r = 0; r < rows && r < maxRows; r++) out += "    " + values.slice(r * ncol, r * ncol + ncol).join(" ") + "\n";
  if (rows > maxRows) out += `    ... (${rows - maxRows} more rows)\n`;
  return out;
}

// sqllogictest.c compares with strcmp: bytewise, which for these ASCII renderings is code-unit order.
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function runSltScript(text: string, name: string, engine: SltEngine, options: SltOptions = {}): Promise<SltStats> {
  const maxReported = options.maxReported ?? 20;
  const sqliteErrors = new Set(options.sqliteQueryErrors ?? []);
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  let next = 0;
  let line = "";
  let lineNo = 0;
  let eof = false;
  // Advances to the next non-comment line; lines of only white space read as empty.
  const advance = (): boolean => {
    for (;;) {
      if (next >= lines.length) { line = ""; eof = true; return false; }
      lineNo = next + 1;
      line = lines[next++];
      if (/^[ \t\n\v\f\r]*$/.test(line)) line = "";
      if (line === "" || line[0] !== "#") return true;
    }
  };
  const tokenize = (l: string) => l.split(/\s+/).filter((t) => t !== "");
  const skipRecord = () => { while (line !== "") advance(); };
  const readSql = (stopAtDashes: boolean) => {
    const parts: string[] = [];
    while (advance() && line !== "" && !(stopAtDashes && line === "----")) parts.push(line);
    return parts.join("\n");
  };

  const stats: SltStats = { passed: 0, failed: 0, skipped: 0, passedOnError: 0, failures: [] };
  const fail = (at: number, what: string, sql: string, detail = "") => {
    stats.failed++;
    if (stats.failed <= maxReported) stats.failures.push(`${name}:${at}: ${what}\n    ${sql.replace(/\n/g, "\n    ")}\n${detail}`);
    else if (stats.failed === maxReported + 1) stats.failures.push(`${name}: further failures not shown`);
  };
  const run = async (sql: string): Promise<SltResult> => {
    let last: SltResult = { columns: [], rows: [] };
    for (const stmt of splitSqlStatements(sql)) last = await engine(stmt);
    return last;
  };

  let hashThreshold = 8;  // sqllogictest.c's default
  const labels = new Map<string, string>();

  advance();
  for (;;) {
    while (line === "" && !eof) advance();
    if (line === "") break;
    const start = lineNo;
    let tok = tokenize(line);
    let skip = false;
    while (tok.length && (tok[0] === "skipif" || tok[0] === "onlyif")) {
      const match = tok.length > 1 && tok[1].toLowerCase() === "sqlite";
      if (tok[0] === "skipif" ? match : !match) skip = true;
      advance();
      tok = tokenize(line);
    }
    if (skip) { stats.skipped++; skipRecord(); continue; }
    if (!tok.length) { fail(start, "skipif/onlyif not followed by a record", ""); continue; }
    if (tok[0] === "halt") break;

    if (tok[0] === "hash-threshold") {
      hashThreshold = tok.length > 1 ? parseInt(tok[1], 10) || 0 : 0;
      skipRecord();
    } else if (tok[0] === "statement") {
      const sql = readSql(false);
      const expect = tok[1] ?? "";
      if (expect !== "ok" && expect !== "error") { fail(start, "statement argument should be 'ok' or 'error'", sql); continue; }
      let error: string | null = null;
      try { await run(sql); } catch (e) { error = e instanceof Error ? e.message : String(e); }
      if (expect === "ok" && error !== null) fail(start, `statement failed: ${error}`, sql);
      else if (expect === "error" && error === null) fail(start, "statement succeeded but an error was expected", sql);
      else stats.passed++;
    } else if (tok[0] === "query") {
      const types = tok[1] ?? "";
      const sort = tok[2] ?? "nosort";
      const label = tok[3] ?? "";
      const sql = readSql(true);
      const hasExpected = line === "----";
      const expected: string[] = [];
      if (hasExpected) while (advance() && line !== "") expected.push(line);
      if (!types || /[^TIR]/.test(types)) { fail(start, `bad type string '${types}'`, sql); continue; }
      if (sort !== "nosort" && sort !== "rowsort" && sort !== "valuesort") { fail(start, `unknown sort method '${sort}'`, sql); continue; }

      let rs: SltResult;
      try {
        rs = await run(sql);
      } catch (e) {
        // As in slt.cpp: a query failing at run time reports "the rows before the error" in
        // SQLite's harness; an SQL error stands in for that when nothing is expected and plain
        // SQLite fails on the same record too.
        if (hasExpected && expected.length === 0 && sqliteErrors.has(start)) { stats.passed++; stats.passedOnError++; continue; }
        fail(start, `query failed: ${e instanceof Error ? e.message : String(e)}`, sql);
        continue;
      }
      const ncol = types.length;
      const gotCols = rs.columns.length ? rs.columns.length : rs.rows.length ? rs.rows[0].length : ncol;
      if (gotCols !== ncol || rs.rows.some((r) => r.length !== gotCols)) {
        fail(start, `wrong number of result columns: expected ${ncol} but got ${gotCols}`, sql);
        continue;
      }
      let values: string[] = [];
      for (const row of rs.rows) for (let c = 0; c < ncol; c++) values.push(sltFormatValue(row[c], types[c]));
      if (sort === "rowsort") {
        const rows: string[][] = [];
        for (let i = 0; i < values.length; i += ncol) rows.push(values.slice(i, i + ncol));
        rows.sort((a, b) => {
          for (let c = 0; c < ncol; c++) { const d = cmp(a[c], b[c]); if (d) return d; }
          return 0;
        });
        values = rows.flat();
      } else if (sort === "valuesort") {
        values.sort(cmp);
      }
      const hashed = hashThreshold > 0 && values.length > hashThreshold;
      const hash = hashed || label ? hashLine(values) : "";
      if (label) {
        const prev = labels.get(label);
        if (prev === undefined) labels.set(label, hash);
        else if (prev !== hash) { fail(start, `labeled result [${label}] does not agree with previous values`, sql); continue; }
      }
      if (hasExpected) {
        const ok = hashed ? expected.length === 1 && expected[0] === hash
          : expected.length === values.length && expected.every((v, i) => v === values[i]);
        if (!ok) {
          const detail = "    expected:\n" + showValues(expected, ncol, 40) + "    got:\n" + (hashed ? `    ${hash}\n` : showValues(values, ncol, 40));
          fail(start, "wrong result", sql, detail);
          continue;
        }
      }
      stats.passed++;
    } else {
      fail(start, `unknown record type '${tok[0]}'`, "");
      skipRecord();
    }
  }
  return stats;
}
