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
#include "sql/node_pool.h"

namespace bd::sql {
namespace detail {
constinit thread_local NodePool g_expr_pool;
constinit thread_local ReadyExprs g_ready_exprs;
void* expr_alloc_slow() {
  void* m = std::malloc(sizeof(Expr));
  if (!m) std::abort();  // no exceptions in the Wasm build; out of memory is fatal anyway
  return m;
}
}  // namespace detail

namespace {
using detail::FreeNode;
using Pool = detail::NodePool;

enum PoolId { kSelectPool, kTableRefPool, kStmtPool, kPoolCount };
thread_local Pool g_pools[kPoolCount];

template <class T>
[[gnu::always_inline]] inline void* pool_new_in(Pool& p, size_t size) {
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

template <class T>
[[gnu::always_inline]] inline void pool_delete_in(Pool& p, void* ptr, size_t size) {
  if (!ptr) return;
  if (size == sizeof(T) && p.cached < Pool::kMaxCached) {
    auto* n = static_cast<FreeNode*>(ptr);
    n->next = p.head;
    p.head = n;
    p.cached++;
    return;
  }
  std::free(ptr);
}

template <class T, PoolId Id>
[[gnu::always_inline]] inline void* pool_new(size_t size) {
  return pool_new_in<T>(g_pools[Id], size);
}
template <class T, PoolId Id>
[[gnu::always_inline]] inline void pool_delete(void* ptr, size_t size) {
  pool_delete_in<T>(g_pools[Id], ptr, size);
}

// True when none of the four strings of an Expr keeps its characters outside the object (all in
// their small-string buffers), in one test: each `data - &string` is below the string's size when
// inline. Rounding that size up to a power of two keeps the test exact (a pointer past the string
// but within the rounded size would point into the Expr itself, which no heap buffer does) and
// lets one OR of the four differences be compared once. Holds for libstdc++ and libc++ alike.
[[gnu::always_inline]] inline uintptr_t str_off(const std::string& s) {
  return reinterpret_cast<uintptr_t>(s.data()) - reinterpret_cast<uintptr_t>(&s);
}
constexpr uintptr_t kStrSpan = [] {
  uintptr_t n = 1;
  while (n < sizeof(std::string)) n <<= 1;
  return n;
}();

// Puts an Expr that owns nothing (no children, lists, subquery, window or type; inline strings)
// back into its default state and onto the ready list (node_pool.h); past the list's bound it is
// deleted (its destructor then has nothing to release).
// Every member that may differ from its default here is reset: keep in step with Expr (ast.h).
[[gnu::always_inline]] inline void recycle(Expr* p) {
  detail::ReadyExprs& r = detail::g_ready_exprs;
  if (r.cached >= detail::ReadyExprs::kMaxCached) {
    delete p;
    return;
  }
  p->kind = ExprKind::Literal;
  p->literal = LiteralKind::Null;
  p->unary_op = UnaryOp::Neg;
  p->binary_op = BinaryOp::Eq;
  p->like_op = LikeOp::Like;
  p->in_kind = InKind::List;
  p->raise_kind = RaiseKind::Ignore;
  p->negated = false;
  p->distinct = false;
  p->star = false;
  p->param_index = 0;
  p->pos = SrcPos{};
  p->text.clear();  // inline buffers: clear() frees nothing
  p->schema.clear();
  p->table.clear();
  p->name.clear();
  p->left.reset(r.head);  // left/right/extra are null here; `left` links the list
  r.head = p;
  r.cached++;
}
#ifdef __GLIBCXX__
static_assert(sizeof(void*) != 8 || sizeof(Expr) == 256, "Expr changed: update recycle() so that recycled nodes equal new ones");
#endif

}  // namespace

// Most expressions own nothing but their children: no list buffers, no subquery, window or type,
// names short enough for the strings' inline buffers. Such a node's destructor would release
// nothing except its left/right/extra children, so those are detached and freed here (the left
// spine iteratively: long `a + b + c ...` chains are left-deep) and the node itself, reset to its
// default state, goes on the ready list for the parser's next node (recycle()). Anything else goes
// through the ordinary destructor.
void destroy_expr_node(Expr* p) {
  while (p) {
    uintptr_t heavy = reinterpret_cast<uintptr_t>(p->select.get()) | reinterpret_cast<uintptr_t>(p->filter.get()) |
                      reinterpret_cast<uintptr_t>(p->over.get()) | reinterpret_cast<uintptr_t>(p->cast_type.get()) |
                      reinterpret_cast<uintptr_t>(p->args.data()) | reinterpret_cast<uintptr_t>(p->order_by.data());
    uintptr_t strs = str_off(p->text) | str_off(p->schema) | str_off(p->table) | str_off(p->name);
    if (heavy != 0 || strs >= kStrSpan) {
      delete p;
      return;
    }
    Expr* left = p->left.release();
    if (Expr* r = p->right.release()) destroy_expr_node(r);
    if (Expr* x = p->extra.release()) destroy_expr_node(x);
    recycle(p);
    p = left;
  }
}

void* Expr::operator new(size_t size) { return pool_new_in<Expr>(detail::g_expr_pool, size); }
void Expr::operator delete(void* p, size_t size) noexcept { pool_delete_in<Expr>(detail::g_expr_pool, p, size); }
void* Select::operator new(size_t size) { return pool_new<Select, kSelectPool>(size); }
void Select::operator delete(void* p, size_t size) noexcept { pool_delete<Select, kSelectPool>(p, size); }
void* TableRef::operator new(size_t size) { return pool_new<TableRef, kTableRefPool>(size); }
void TableRef::operator delete(void* p, size_t size) noexcept { pool_delete<TableRef, kTableRefPool>(p, size); }
void* Stmt::operator new(size_t size) { return pool_new<Stmt, kStmtPool>(size); }
void Stmt::operator delete(void* p, size_t size) noexcept { pool_delete<Stmt, kStmtPool>(p, size); }

}  // namespace bd::sql
