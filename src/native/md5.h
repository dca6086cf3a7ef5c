// MD5 (RFC 1321), only for sqllogictest's "N values hashing to <md5>" result digests.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace bd::native {

class Md5 {
 public:
  Md5();
  void update(std::string_view data);
  // Finishes the digest and returns it as 32 lowercase hex digits; the object is spent afterwards.
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t a_, b_, c_, d_;
  uint64_t length_ = 0;  // bytes seen
  uint8_t buffer_[64];
  size_t buffered_ = 0;
};

inline std::string md5_hex(std::string_view data) {
  Md5 m;
  m.update(data);
  return m.hex_digest();
}

}  // namespace bd::native
