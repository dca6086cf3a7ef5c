// Test hooks only (used when BIG_DADDY_TEST_HOOKS=1, never in production paths): where a
// coordinator is in a transaction's commit, read from the storage requests it is about to send, so
// that a fault test can restart the coordinator at a chosen step (tests/integration/txn-faults-
// coordinator.test.ts). The header read here is the one src/storage/protocol.cpp writes
// (encode_request): op, epoch, catalog version, virtual shards, statements, four flag bytes, then
// the transaction fields (id, start, statement number, timeout, action, decide).
import { Reader } from "./codec";

// The points of a round of requests a test hook is called at: before they are sent, once they are
// on their way, when every answer is in, and (for the requests sent after the answer, a commit's
// phase two) before they are sent.
export type TestPoint = "send" | "sent" | "answered" | "background";
// Return "skip" at "background" to drop those requests (the coordinator died right after answering).
export type TestStep = (at: TestPoint, requests: Uint8Array[], answers?: Uint8Array[]) => void | "skip" | Promise<void | "skip">;

// What a round of storage requests is, as far as a transaction's commit goes.
export type RoundKind = "statement" | "prepare" | "decide" | "commit" | "abort" | "release" | "other";

// Storage protocol TxnAction values (src/storage/protocol.h).
const ACTIONS: Record<number, RoundKind> = { 1: "prepare", 2: "commit", 3: "abort", 4: "release" };

export function requestKind(payload: Uint8Array): RoundKind {
  try {
    const r = new Reader(payload);
    if (r.u8() !== 1) return "other";
    r.i64();
    r.i64();
    for (let n = r.u32(), i = 0; i < n; i++) r.u32();
    if (r.u32() > 0) return "statement";
    r.u8(); r.u8(); r.u8(); r.u8();
    if (r.u8() === 0) return "other";
    r.str();
    r.f64();
    r.u32();
    r.u32();
    const action = r.u8(), decide = r.u8();
    if (action === 2 && decide) return "decide";
    return ACTIONS[action] ?? "other";
  } catch {
    return "other";
  }
}

// A round's kind: the kind its requests share (a commit's rounds are all of one kind), else "other".
export function roundKind(requests: Uint8Array[]): RoundKind {
  const kinds = new Set(requests.map(requestKind));
  return kinds.size === 1 ? [...kinds][0] : "other";
}

// A storage answer that reports success (first byte 0).
export function answeredOk(answer: Uint8Array | undefined): boolean {
  return !!answer && answer.length > 0 && answer[0] === 0;
}

// The steps of a transaction at which a test restarts its coordinator. "statement": a statement's
// requests are on their way; "before-prepare": COMMIT began, nothing is prepared; "preparing": the
// prepares are on their way; "prepared": every prepare answered yes, the decision not sent;
// "deciding": the decision is on its way; "decided": the decision holder answered committed, the
// client has no answer and phase two is not sent; "answered": the client has its answer and phase
// two is never sent. Only followed, never armed: "idle" (between statements, before any decision
// went out), "after-commit" (after one did), "one-node-commit" (a commit on one node is on its
// way), "aborting", "prepare-failed" (a prepare was refused or unanswered: a live coordinator
// rolls back now), "decide-refused".
export type CoordinatorStep = "statement" | "before-prepare" | "preparing" | "prepared" | "deciding" | "decided" | "answered";

// The coordinator's step at this point of a round (`previous`: its step before).
export function coordinatorStep(at: TestPoint, requests: Uint8Array[], answers: Uint8Array[] | undefined, previous: string): string {
  if (at === "background") return requests.some((r) => requestKind(r) === "commit") ? "decided" : previous;
  switch (roundKind(requests)) {
    case "statement": return at === "answered" ? "idle" : "statement";
    case "prepare": return at === "send" ? "before-prepare" : at === "sent" ? "preparing" : answers?.every(answeredOk) ? "prepared" : "prepare-failed";
    case "decide": return at === "send" ? "prepared" : at === "sent" ? "deciding" : answeredOk(answers?.[0]) ? "decided" : "decide-refused";
    case "commit": return at === "answered" ? "idle" : "one-node-commit";
    case "abort": return at === "answered" ? "idle" : "aborting";
    default: return previous;
  }
}

// Follows a coordinator through its rounds and says when the armed step is reached: "die" (the
// coordinator must stop here), or "answered" (the answer goes out, the requests sent after it are
// dropped, then the coordinator stops).
export class StepWatch {
  at = "idle";
  armed?: CoordinatorStep;
  decisionSent = false; // a decision (or a one-node commit) went out: the outcome may be "committed"
  // Between statements: "idle", or "after-commit" once a decision went out.
  idle() {
    this.at = this.decisionSent ? "after-commit" : "idle";
  }
  next(point: TestPoint, requests: Uint8Array[], answers?: Uint8Array[]): "die" | "answered" | undefined {
    if (point === "background" && this.armed === "answered" && coordinatorStep(point, requests, answers, "") === "decided") {
      this.armed = undefined;
      this.at = "answered";
      return "answered";
    }
    this.at = coordinatorStep(point, requests, answers, this.at);
    if (this.at === "deciding" || this.at === "one-node-commit") this.decisionSent ||= point === "sent";
    if (this.at === "idle") this.idle();
    // A statement's restart comes once its requests are on their way.
    if (this.armed !== this.at || (this.at === "statement" && point !== "sent")) return undefined;
    this.armed = undefined;
    return "die";
  }
}
