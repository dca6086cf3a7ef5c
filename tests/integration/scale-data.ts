// The scale workload shared by the workerd scale test and its reference: users and orders (orders
// co-located with their user, a global unique index on the order id), generated deterministically,
// and the queries an application makes of them. The reference answers come from plain SQLite
// (the sqlite3 shell, in vitest's global setup in Node); the test runs the same statements through
// the Worker in workerd and compares.
export interface ScaleSizes {
  users: number;
  orders: number;
}

export const SCHEMA = [
  "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score INTEGER)",
  "CREATE TABLE orders (user_id INTEGER, id INTEGER, total INTEGER, status TEXT, PRIMARY KEY (user_id, id))",
  "CREATE UNIQUE INDEX orders_id ON orders (id)",
];

// INSERT statements of at most `batch` rows, with literal values.
export function* inserts(size: ScaleSizes, batch = 1000): Generator<string> {
  for (let lo = 1; lo <= size.users; lo += batch) {
    const rows: string[] = [];
    for (let i = lo; i < lo + batch && i <= size.users; i++) rows.push(`(${i}, 'user${i}', 'c${i % 17}', ${(i * 37) % 101})`);
    yield `INSERT INTO users VALUES ${rows.join(", ")}`;
  }
  const owners = Math.floor((size.users * 9) / 10);
  for (let lo = 1; lo <= size.orders; lo += batch) {
    const rows: string[] = [];
    for (let i = lo; i < lo + batch && i <= size.orders; i++) {
      const user = ((i * 7919) % owners) + 1;
      rows.push(`(${user}, ${i}, ${(i * 7901) % 2000}, '${i % 3 ? "paid" : "open"}')`);
    }
    yield `INSERT INTO orders VALUES ${rows.join(", ")}`;
  }
}

export interface ScaleQuery {
  sql: string;
  ordered?: boolean;  // the statement orders its rows: compare in order
}

export const QUERIES: ScaleQuery[] = [
  { sql: "SELECT o.id, u.name FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 5" },
  { sql: "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id IN (36, 43)" },
  { sql: "SELECT u.id, u.name, o.id, o.total FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.id BETWEEN 100 AND 140" },
  { sql: "SELECT id, name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 1990)" },
  { sql: "SELECT count(*) FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.total > 1900)" },
  { sql: "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)" },
  { sql: "SELECT count(*) FROM users WHERE id NOT IN (SELECT user_id FROM orders WHERE total > 10)" },
  { sql: "SELECT count(DISTINCT user_id) FROM orders" },
  { sql: "SELECT count(*) FROM (SELECT user_id FROM orders GROUP BY user_id HAVING count(*) >= 3)" },
  { sql: "WITH s AS (SELECT user_id, sum(total) AS spent FROM orders GROUP BY user_id) SELECT count(*), sum(spent), max(spent) FROM s" },
  { sql: "SELECT id, total, rank() OVER (ORDER BY total DESC) AS r FROM orders ORDER BY total DESC, id LIMIT 5", ordered: true },
  { sql: "SELECT id FROM users WHERE city = 'c7' AND score > 90 UNION SELECT user_id FROM orders WHERE total > 1995" },
  { sql: "SELECT u.city, count(*), sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.city" },
];

// A row as comparable text: each value as SQLite's quote() writes it (NULL, 12, 'text').
export function rowText(row: unknown[]): string {
  return JSON.stringify(
    row.map((v) =>
      v === null ? "NULL" : typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : typeof v === "bigint" ? v.toString() : String(v),
    ),
  );
}
