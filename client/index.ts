// big-daddy-client: the types of Big Daddy's service binding (env.BIG_DADDY) and its sql tag, and
// the D1-compatible client over the binding ("big-daddy-client/d1"), and the reader of streamed
// results ("big-daddy-client/stream").
export { d1 } from "./d1.js";
export { streamRows, type StreamEnd } from "./stream.js";
export type * from "./types.js";
