// Types for Big Daddy's service binding (the default entrypoint of the "big-daddy" Worker) and for
// the D1-compatible client. Self-contained: no @cloudflare/workers-types needed.
export {};
