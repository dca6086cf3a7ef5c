#include "value/collation.h"

#include <cstring>
#include <string>
#include "value/text.h"

namespace bd {
namespace {

unsigned char fold(unsigned char c) { return static_cast<unsigned char>(ascii_lower(static_cast<char>(c))); }

int binary(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  int r = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (r != 0) return r;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace

Result<Collation> parse_collation(std::string_view name) {
  if (iequals(name, "BINARY")) return Collation::Binary;
  if (iequals(name, "NOCASE")) return Collation::NoCase;
  if (iequals(name, "RTRIM")) return Collation::RTrim;
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
  switch (c) {
    case Collation::Binary: return std::string(text);
    case Collation::RTrim: {
      size_t n = text.size();
      while (n && text[n - 1] == ' ') n--;
      return std::string(text.substr(0, n));
    }
    case Collation::NoCase: {
      // NOCASE compares folded bytes up to the first NUL, then the lengths: texts that agree up to
      // a NUL are equal when they are equally long, whatever follows it.
      size_t nul = text.find('\0');
      std::string key = ascii_lower(text.substr(0, nul));
      if (nul != std::string_view::npos) key += std::string(1, '\0') + std::to_string(text.size());
      return key;
    }
  }
  return std::string(text);
}

}  // namespace bd
