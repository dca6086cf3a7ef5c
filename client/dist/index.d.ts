export { d1 } from "./d1.js";
export type * from "./types.js";
