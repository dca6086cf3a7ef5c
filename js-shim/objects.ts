// The Durable Object classes: each forwards a request's bytes to the core inside one storage
// transaction, rolling back when the core answers with an error status (first byte non-zero).
import { DurableObject } from "cloudflare:workers";
import { getCore } from "./core";

const ROLLBACK = Symbol("rollback");

function transact(ctx: DurableObjectState, fn: "bd_storage_handle" | "bd_topology_handle", req: Uint8Array): Uint8Array {
  const core = getCore();
  let out: Uint8Array = new Uint8Array(0);
  core.withSql(ctx.storage.sql, () => {
    try {
      ctx.storage.transactionSync(() => {
        out = core.call(fn, req);
        if (out.length === 0 || out[0] !== 0) throw ROLLBACK;
      });
    } catch (e) {
      if (e !== ROLLBACK) throw e;
    }
  });
  return out;
}

export class Storage extends DurableObject {
  async handle(req: Uint8Array): Promise<Uint8Array> {
    return transact(this.ctx, "bd_storage_handle", new Uint8Array(req));
  }
}

export class Topology extends DurableObject {
  async handle(req: Uint8Array): Promise<Uint8Array> {
    return transact(this.ctx, "bd_topology_handle", new Uint8Array(req));
  }
}
