// bigdaddy migrations create|list|apply <db> [--dir migrations] [--table d1_migrations]
//
// The layout of `wrangler d1 migrations`: a folder of NNNN_name.sql files applied in name order,
// and a bookkeeping table (`d1_migrations`: id, name, applied_at) naming each applied file, so a D1
// project's folder (or drizzle-kit's output folder) moves over unchanged. Each migration is one
// transaction (an atomic script): its statements and its bookkeeping row apply together, or, when
// one fails, none of them (its tables, indexes and rows are as before it).
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { CliError, sql } from "./client.mjs";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
}

function tableName(flags) {
  const t = flags.table?.[0] ?? "d1_migrations";
  if (!IDENT.test(t)) throw new CliError(`--table must be a plain identifier, got ${JSON.stringify(t)}`);
  return t;
}

// The bookkeeping table has wrangler's columns; the uniqueness of `name` is a unique index.
function schema(table) {
  return [
    `CREATE TABLE IF NOT EXISTS ${table}(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${table}_name ON ${table}(name)`,
  ];
}

async function applied(conn, database, table) {
  try {
    const { body } = await sql(conn, { database, query: `SELECT name FROM ${table} ORDER BY id`, rowMode: "array" });
    return new Set(body.rows.map((r) => r[0]));
  } catch (e) {
    if (e instanceof CliError && e.message === `no such table: ${table}`) return new Set();
    throw e;
  }
}

export async function migrations(conn, args, io) {
  const [sub, database, name] = args.positional;
  const dir = args.flags.dir ?? "migrations";
  const table = tableName(args.flags);
  io.need(database, "<db>");
  switch (sub) {
    case "create": {
      io.need(name, "<name> of the migration");
      mkdirSync(dir, { recursive: true });
      const numbers = files(dir).map((f) => parseInt(f, 10)).filter((n) => Number.isInteger(n));
      const next = String((numbers.length ? Math.max(...numbers) : 0) + 1).padStart(4, "0");
      const file = `${next}_${name.trim().replace(/[^A-Za-z0-9_-]+/g, "_")}.sql`;
      writeFileSync(join(dir, file), `-- Migration number: ${next} \t ${new Date().toISOString()}\n`, { flag: "wx" });
      return io.out(join(dir, file));
    }
    case "list": {
      const all = files(dir);
      const done = await applied(conn, database, table);
      if (!all.length) return io.out(`no migrations in ${dir}/`);
      return io.out(io.textTable(["migration", "status"], all.map((f) => [f, done.has(f) ? "applied" : "pending"])));
    }
    case "apply": {
      const all = files(dir);
      if (!all.length && !existsSync(dir)) throw new CliError(`no migrations folder ${dir}/ (use --dir)`);
      await sql(conn, { database, batch: schema(table).map((query) => ({ query })) });
      const done = await applied(conn, database, table);
      const pending = all.filter((f) => !done.has(f));
      if (!pending.length) return io.out("no migrations to apply");
      for (const file of pending) {
        const text = readFileSync(join(dir, file), "utf8");
        try {
          // The file is a script (statements separated by ';'), run with its bookkeeping row as one
          // transaction, as wrangler does: the first failure rolls all of it back.
          const literal = `'${file.replace(/'/g, "''")}'`;
          await sql(conn, { database, script: `${text}\n;\nINSERT INTO ${table} (name) VALUES (${literal});`, atomic: true });
        } catch (e) {
          if (!(e instanceof CliError)) throw e;
          throw new CliError(`migration ${file} failed: ${e.message}`);
        }
        io.note(`applied ${file}`);
      }
      return io.out(`${pending.length} migration${pending.length === 1 ? "" : "s"} applied`);
    }
    default:
      throw new CliError(`unknown migrations command ${JSON.stringify(sub ?? "")}: use create, list or apply`);
  }
}
