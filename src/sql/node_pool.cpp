// Per-thread free lists for the AST's most frequent heap nodes (Expr, Select, TableRef, Stmt).
// Freed nodes are kept for reuse by the same thread; each list holds at most kMaxCached nodes (about
// 1 MB for Expr) so a huge AST does not pin its memory. The pools are trivially destructible on
// purpose (wasm32-wasi has no thread-exit hooks); a native thread that exits leaves at most that
// cache behind.
#include <cstdint>
#include <cstdlib>
#include <string>
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

enum PoolId { kExprPool, kSelectPool, kTableRefPool, kStmtPool, kPoolCount };
thread_local Pool g_pools[kPoolCount];

template <class T, PoolId Id>
[[gnu::always_inline]] inline void* pool_new(size_t size) {
  Pool& p = g_pools[Id];
  if (size == sizeof(T) && p.head) {
    FreeNode* n = p.head;
    p.head = n->next;
    p.cached--;
    return n;
  }
  void* m = std::malloc(size < sizeof(FreeNode) ? sizeof(FreeNode) : size);
  if (!m) std::abort();  // no exceptions in the Wasm build; out of memory is fatal anyway
  return m;
}

template <class T, PoolId Id>
[[gnu::always_inline]] inline void pool_delete(void* ptr, size_t size) {
  if (!ptr) return;
  Pool& p = g_pools[Id];
  if (size == sizeof(T) && p.cached < Pool::kMaxCached) {
    auto* n = static_cast<FreeNode*>(ptr);
    n->next = p.head;
    p.head = n;
    p.cached++;
    return;
  }
  std::free(ptr);
}

// True when `s` keeps its characters inside its own object (small-string buffer): destroying it
// then frees nothing. Holds for libstdc++ and libc++ alike, unlike a capacity() test.
[[gnu::always_inline]] inline bool inline_str(const std::string& s) {
  auto d = reinterpret_cast<uintptr_t>(s.data()), o = reinterpret_cast<uintptr_t>(&s);
  return d - o < sizeof(std::string);
}

}  // namespace

// Most expressions are leaves (columns, literals): no children, no list buffers, names short
// enough for the string's inline buffer. Their destructor would release nothing, so such a node's
// storage is returned to the pool without running it (ending an object's lifetime by reusing its
// storage is allowed when nothing depends on the destructor's side effects; here it has none).
// Anything else goes through the ordinary destructor.
void destroy_expr_node(Expr* p) {
  uintptr_t kids = reinterpret_cast<uintptr_t>(p->left.get()) | reinterpret_cast<uintptr_t>(p->right.get()) |
                   reinterpret_cast<uintptr_t>(p->extra.get()) | reinterpret_cast<uintptr_t>(p->select.get()) |
                   reinterpret_cast<uintptr_t>(p->filter.get()) | reinterpret_cast<uintptr_t>(p->over.get()) |
                   reinterpret_cast<uintptr_t>(p->cast_type.get()) |
                   reinterpret_cast<uintptr_t>(p->args.data()) | reinterpret_cast<uintptr_t>(p->order_by.data());
  if (kids == 0 && inline_str(p->text) && inline_str(p->schema) && inline_str(p->table) && inline_str(p->name)) {
    pool_delete<Expr, kExprPool>(p, sizeof(Expr));
    return;
  }
  delete p;
}

void* Expr::operator new(size_t size) { return pool_new<Expr, kExprPool>(size); }
void Expr::operator delete(void* p, size_t size) noexcept { pool_delete<Expr, kExprPool>(p, size); }
void* Select::operator new(size_t size) { return pool_new<Select, kSelectPool>(size); }
void Select::operator delete(void* p, size_t size) noexcept { pool_delete<Select, kSelectPool>(p, size); }
void* TableRef::operator new(size_t size) { return pool_new<TableRef, kTableRefPool>(size); }
void TableRef::operator delete(void* p, size_t size) noexcept {
  pool_delete<TableRef, kTableRefPool>(p, size);
}
void* Stmt::operator new(size_t size) { return pool_new<Stmt, kStmtPool>(size); }
void Stmt::operator delete(void* p, size_t size) noexcept { pool_delete<Stmt, kStmtPool>(p, size); }

}  // namespace bd::sql
