// The platform's limits, defined once for all C++ code; scripts/gen-abi.mjs copies them into
// js-shim/abi.ts for the shim.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bd::limits {

// Durable Object SQL storage (https://developers.cloudflare.com/durable-objects/platform/limits/):
// per statement at most this many bound parameters and this many bytes of SQL text; per row (and
// so per string or blob value) at most this many bytes.
inline constexpr size_t kMaxBoundParameters = 100;
inline constexpr size_t kMaxStatementBytes = 100 * 1024;
inline constexpr size_t kMaxRowBytes = 2 * 1024 * 1024;

// Storage nodes of one database (creating it, resizing it).
inline constexpr uint32_t kMaxNodes = 256;

}  // namespace bd::limits
