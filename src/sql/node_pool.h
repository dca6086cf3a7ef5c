// Internal: the per-thread free lists of Expr nodes (node_pool.cpp), inline so that the parser's
// node constructor pops a node without a call. Not part of the public API.
#pragma once
#include <cstddef>

#include "sql/ast.h"

namespace bd::sql::detail {

struct FreeNode {
  FreeNode* next;
};

struct NodePool {
  static constexpr size_t kMaxCached = 4096;
  FreeNode* head = nullptr;
  size_t cached = 0;
};

// Trivially constructible and destructible (constinit: no TLS init wrapper on access).
extern constinit thread_local NodePool g_expr_pool;

void* expr_alloc_slow();  // malloc(sizeof(Expr))

// Storage for one Expr: a recycled node of this thread, else malloc. Free it with
// destroy_expr_node() (through Box<Expr>) or Expr's operator delete.
[[gnu::always_inline]] inline void* expr_alloc() {
  NodePool& p = g_expr_pool;
  if (FreeNode* n = p.head) {
    p.head = n->next;
    p.cached--;
    return n;
  }
  return expr_alloc_slow();
}

// Nodes that are still constructed and in their default state: destroy_expr_node() resets a
// node that owns nothing (the common case) instead of ending its life, so the parser gets it back
// without running Expr's constructor, which writes every member (in the Wasm build, through a call
// to memset). Linked through their `left` member (null in the default state).
struct ReadyExprs {
  static constexpr size_t kMaxCached = 4096;
  Expr* head = nullptr;
  size_t cached = 0;
};
extern constinit thread_local ReadyExprs g_ready_exprs;

// A default-constructed Expr (as `new Expr`), to be owned by an ExprPtr.
[[gnu::always_inline]] inline Expr* new_expr() {
  ReadyExprs& r = g_ready_exprs;
  if (Expr* e = r.head) {
    r.head = e->left.release();
    r.cached--;
    return e;
  }
  return new Expr;
}

}  // namespace bd::sql::detail
