// Internal: the per-thread free list of Expr nodes (node_pool.cpp), inline so that the parser's
// node constructor pops a node without a call. Not part of the public API.
#pragma once
#include <cstddef>

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

}  // namespace bd::sql::detail
