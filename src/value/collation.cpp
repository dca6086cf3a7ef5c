#include "value/collation.h"

#include <cstring>
#include <string>

namespace bd {
namespace {

unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

bool name_is(std::string_view name, const char* want) {
  size_t n = std::strlen(want);
  if (name.size() != n) return false;
  for (size_t i = 0; i < n; i++)
    if (fold(static_cast<unsigned char>(name[i])) != fold(static_cast<unsigned char>(want[i]))) return false;
  return true;
}

int binary(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  int r = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (r != 0) return r;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace

Result<Collation> parse_collation(std::string_view name) {
  if (name_is(name, "BINARY")) return Collation::Binary;
  if (name_is(name, "NOCASE")) return Collation::NoCase;
  if (name_is(name, "RTRIM")) return Collation::RTrim;
  return Error::sql("no such collation sequence: " + std::string(name));
}

const char* collation_name(Collation c) {
  switch (c) {
    case Collation::NoCase: return "NOCASE";
    case Collation::RTrim: return "RTRIM";
    default: return "BINARY";
  }
}

int compare_text(std::string_view a, std::string_view b, Collation c) {
  switch (c) {
    case Collation::Binary: return binary(a, b);
    case Collation::RTrim: {
      size_t na = a.size(), nb = b.size();
      while (na && a[na - 1] == ' ') na--;
      while (nb && b[nb - 1] == ' ') nb--;
      return binary(a.substr(0, na), b.substr(0, nb));
    }
    case Collation::NoCase: {
      // sqlite3StrNICmp over the shorter length, then the length difference.
      size_t n = a.size() < b.size() ? a.size() : b.size();
      const unsigned char* x = reinterpret_cast<const unsigned char*>(a.data());
      const unsigned char* y = reinterpret_cast<const unsigned char*>(b.data());
      size_t i = 0;
      while (i < n && x[i] != 0 && fold(x[i]) == fold(y[i])) i++;
      if (i < n) {
        int r = int(fold(x[i])) - int(fold(y[i]));
        if (r != 0) return r;
      }
      return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
    }
  }
  return 0;
}

std::string collation_key(std::string_view text, Collation c) {
  std::string t(text);
  if (c == Collation::NoCase)
    for (auto& ch : t)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  if (c == Collation::RTrim)
    while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

}  // namespace bd
