import type { BigDaddyBinding, D1ClientOptions, D1Database } from "./types.js";
export type * from "./types.js";
/** A D1Database backed by Big Daddy database `databaseId`, reached through `binding` (env.BIG_DADDY). */
export declare function d1(binding: BigDaddyBinding, databaseId: string, options?: D1ClientOptions): D1Database;
