// SQL rewrites that let a host whose API carries numbers as doubles (the Durable Object SQL API)
// still read and bind every 64-bit integer exactly. The host flags results whose numbers may be
// inexact; these rewrites ask SQLite for such integers as decimal text instead.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bd::sql {

// A read that returned `columns` columns, rewritten so that it can run again: the same rows, then
// for each column listed in `inexact` one more column holding the value as decimal text where it
// is an INTEGER (NULL otherwise). The statement runs once, materialized, so each value is
// evaluated once and the rows keep their order.
std::string exact_reread_sql(std::string_view read, size_t columns, const std::vector<uint32_t>& inexact);

// Whether a statement is a plain read that can safely run a second time (SELECT / VALUES / WITH
// ... SELECT).
bool is_rereadable(std::string_view sql);

// An INSERT/UPDATE/DELETE ... RETURNING whose result columns are all expressions: the statement
// with, after its n RETURNING columns, n more giving each value as decimal text where it is an
// INTEGER (NULL otherwise). nullopt when the statement has no RETURNING (or a RETURNING *).
struct ExactReturning {
  std::string sql;
  size_t columns = 0;  // the statement's own RETURNING columns
};
std::optional<ExactReturning> exact_returning_sql(std::string_view write);

// `sql` with each parameter whose number (1-based) is marked in `casts` written as
// +CAST(<param> AS INTEGER) ('I': an INTEGER the host binds as a double or as its decimal text) or
// +CAST(<param> AS REAL) ('R': an integral REAL the host would bind as an integer); 0: as is. The
// unary + leaves the parameter without affinity, as a bound value has none.
std::string cast_params(std::string_view sql, const std::vector<char>& casts);

}  // namespace bd::sql
