// Per-thread free list for Expr nodes. Freed nodes are kept for reuse by the same thread; the
// pool holds at most kMaxCached nodes (1 MB) so a huge AST does not pin its memory. The pool is
// trivially destructible on purpose (wasm32-wasi has no thread-exit hooks); a native thread that
// exits leaves at most that cache behind.
#include <cstdlib>
#include <new>

#include "sql/ast.h"

namespace bd::sql {
namespace {

struct FreeNode {
  FreeNode* next;
};

struct Pool {
  static constexpr size_t kMaxCached = 4096;
  FreeNode* head = nullptr;
  size_t cached = 0;
};

thread_local Pool g_expr_pool;

}  // namespace

void* Expr::operator new(size_t size) {
  Pool& p = g_expr_pool;
  if (size == sizeof(Expr) && p.head) {
    FreeNode* n = p.head;
    p.head = n->next;
    p.cached--;
    return n;
  }
  void* m = std::malloc(size);
  if (!m) std::abort();  // no exceptions in the Wasm build; out of memory is fatal anyway
  return m;
}

void Expr::operator delete(void* ptr, size_t size) noexcept {
  if (!ptr) return;
  Pool& p = g_expr_pool;
  if (size == sizeof(Expr) && p.cached < Pool::kMaxCached) {
    auto* n = static_cast<FreeNode*>(ptr);
    n->next = p.head;
    p.head = n;
    p.cached++;
    return;
  }
  std::free(ptr);
}

}  // namespace bd::sql
