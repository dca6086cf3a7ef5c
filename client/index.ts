// big-daddy-client: the types of Big Daddy's service binding (env.BIG_DADDY) and its sql tag, and
// the D1-compatible client over the binding ("big-daddy-client/d1").
export { d1 } from "./d1.js";
export type * from "./types.js";
