/** A D1Database backed by Big Daddy database `databaseId`, reached through `binding` (env.BIG_DADDY). */
export function d1(binding, databaseId, options = {}) {
    if (!binding || typeof binding.query !== "function")
        throw new TypeError("d1(): the first argument must be the Big Daddy service binding (env.BIG_DADDY)");
    if (typeof databaseId !== "string" || !databaseId)
        throw new TypeError("d1(): databaseId must be a non-empty string");
    return new BigDaddyD1Database(binding, databaseId, options);
}
// RPC turns the Worker's errors into plain Errors whose message starts with the class name.
function d1Error(e, prefix = "") {
    const raw = e instanceof Error ? e.message : String(e);
    const message = raw.replace(/^BigDaddyError:\s*/, "");
    return new Error(`D1_ERROR: ${prefix}${message}`, { cause: e });
}
function toParam(v, i) {
    if (v === undefined)
        throw new Error(`D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined' at position ${i + 1}`);
    if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "bigint")
        return v;
    if (typeof v === "boolean")
        return v ? 1 : 0;
    if (v instanceof ArrayBuffer)
        return v;
    if (ArrayBuffer.isView(v))
        return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
    if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b < 256))
        return new Uint8Array(v).buffer;
    if (v instanceof Date)
        return v.toISOString();
    throw new Error(`D1_TYPE_ERROR: Type '${typeof v}' not supported for value '${String(v)}' at position ${i + 1}`);
}
// D1 hands blobs back as arrays of byte values.
function fromValue(v) {
    if (v instanceof ArrayBuffer)
        return Array.from(new Uint8Array(v));
    if (ArrayBuffer.isView(v))
        return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    return v;
}
function rowsOf(r) {
    return r.rows.map((row) => row.map(fromValue));
}
// Like D1 (and SQLite's own row objects), a later column of the same name wins.
function objectsOf(r) {
    return rowsOf(r).map((row) => {
        const o = {};
        r.columns.forEach((c, i) => { o[c] = row[i]; });
        return o;
    });
}
function metaOf(r, duration) {
    const m = r.meta ?? {};
    return {
        served_by: "big-daddy",
        duration,
        changes: r.rowsAffected,
        last_row_id: Number(r.lastInsertRowid),
        changed_db: r.rowsAffected > 0 || m.plan === "ddl",
        size_after: 0,
        rows_read: typeof m.rowsRead === "number" ? m.rowsRead : r.rows.length,
        rows_written: typeof m.rowsWritten === "number" ? m.rowsWritten : r.rowsAffected,
        bigdaddy: { ...m, lastInsertRowid: r.lastInsertRowid },
    };
}
function d1Result(r, duration) {
    return { success: true, meta: metaOf(r, duration), results: objectsOf(r) };
}
class BigDaddyD1Database {
    binding;
    databaseId;
    options;
    constructor(binding, databaseId, options) {
        this.binding = binding;
        this.databaseId = databaseId;
        this.options = options;
    }
    prepare(query) {
        if (typeof query !== "string")
            throw new TypeError("prepare(): query must be a string");
        return new BigDaddyD1PreparedStatement(this, query, []);
    }
    async query(sql, params) {
        const t0 = Date.now();
        try {
            const r = await this.binding.query(this.databaseId, sql, params, { create: this.options.create, nodes: this.options.nodes, rowMode: "array" });
            return [r, Date.now() - t0];
        }
        catch (e) {
            throw d1Error(e);
        }
    }
    async batch(statements) {
        if (!Array.isArray(statements))
            throw new TypeError("batch(): expects an array of prepared statements");
        if (statements.length === 0)
            return [];
        const list = statements.map((s, i) => {
            if (!(s instanceof BigDaddyD1PreparedStatement))
                throw new TypeError(`batch(): statement ${i} was not prepared by this database`);
            return { sql: s.sql, params: s.params };
        });
        const t0 = Date.now();
        let r;
        try {
            r = await this.binding.batch(this.databaseId, list, { create: this.options.create, nodes: this.options.nodes, rowMode: "array" });
        }
        catch (e) {
            throw d1Error(e);
        }
        if (r.error)
            throw d1Error(r.error.message, `batch statement ${r.error.index}: `);
        const duration = Date.now() - t0;
        return r.results.map((x) => d1Result(x, duration));
    }
    // Statements separated by semicolons, no parameters, run in order (the binding's exec). As in
    // D1, a failing statement throws; those before it stay applied.
    async exec(query) {
        if (typeof query !== "string")
            throw new TypeError("exec(): query must be a string");
        const t0 = Date.now();
        let r;
        try {
            r = await this.binding.exec(this.databaseId, query, { create: this.options.create, nodes: this.options.nodes, rowMode: "array" });
        }
        catch (e) {
            throw d1Error(e);
        }
        if (r.error)
            throw d1Error(r.error.message, `exec statement ${r.error.index}: `);
        return { count: r.results.length, duration: Date.now() - t0 };
    }
    withSession(_constraintOrBookmark) {
        // Every read already sees the latest write (no replicas), so a session needs no bookmark.
        return {
            prepare: (q) => this.prepare(q),
            batch: (s) => this.batch(s),
            getBookmark: () => null,
        };
    }
    async dump() {
        throw new Error("D1_ERROR: dump() is not supported by Big Daddy");
    }
}
class BigDaddyD1PreparedStatement {
    db;
    sql;
    params;
    constructor(db, sql, params) {
        this.db = db;
        this.sql = sql;
        this.params = params;
    }
    bind(...values) {
        return new BigDaddyD1PreparedStatement(this.db, this.sql, values.map(toParam));
    }
    async first(colName) {
        const [r] = await this.db.query(this.sql, this.params);
        if (colName !== undefined && !r.columns.includes(colName))
            throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${colName})`);
        const rows = objectsOf(r);
        if (rows.length === 0)
            return null;
        return (colName !== undefined ? rows[0][colName] : rows[0]);
    }
    async all() {
        const [r, duration] = await this.db.query(this.sql, this.params);
        return d1Result(r, duration);
    }
    async run() {
        return this.all();
    }
    async raw(options) {
        const [r] = await this.db.query(this.sql, this.params);
        const rows = rowsOf(r);
        return options?.columnNames ? [r.columns, ...rows] : rows;
    }
}
