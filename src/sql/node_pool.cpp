// Per-thread free list for Expr nodes. Freed nodes are kept for reuse by the same thread; the
// pool holds at most kMaxCached nodes so a huge AST does not pin its memory forever.
#include <cstdlib>
#include <new>

#include "sql/ast.h"

namespace bd::sql {
namespace {

struct FreeNode {
  FreeNode* next;
};

struct Pool {
  static constexpr size_t kMaxCached = 1 << 16;
  FreeNode* head = nullptr;
  size_t cached = 0;
  ~Pool() {
    while (head) {
      FreeNode* n = head->next;
      std::free(head);
      head = n;
    }
  }
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
