#include <catch2/catch.hpp>

#include <string>

#include "native/md5.h"

using bd::native::Md5;
using bd::native::md5_hex;

TEST_CASE("md5: RFC 1321 test vectors", "[slt][md5]") {
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(md5_hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") == "57edf4a22be3c955ac49da2e2107b67a");
  CHECK(md5_hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6");
}

TEST_CASE("md5: block-boundary lengths and incremental updates agree", "[slt][md5]") {
  // Lengths around the 56- and 64-byte padding edges, hashed whole and in odd-sized pieces.
  CHECK(md5_hex(std::string(55, 'a')) == "ef1772b6dff9a122358552954ad0df65");
  CHECK(md5_hex(std::string(56, 'a')) == "3b0c8ac703f828b04c6c197006d17218");
  CHECK(md5_hex(std::string(64, 'a')) == "014842d480b571495a4a0363793f7367");
  CHECK(md5_hex(std::string(1000000, 'a')) == "7707d6ae4e027c70eea2a935c2296f21");
  std::string data;
  for (int i = 0; i < 1000; i++) data += char('a' + i % 26);
  std::string whole = md5_hex(data);
  for (size_t piece : {1, 3, 63, 64, 65, 200}) {
    Md5 m;
    for (size_t i = 0; i < data.size(); i += piece) m.update(std::string_view(data).substr(i, piece));
    CHECK(m.hex_digest() == whole);
  }
  // What sqllogictest hashes: each value followed by "\n".
  CHECK(md5_hex("1\n2\n3\n4\n5\n6\n7\n8\n9\n") == "22e400a2ddbb013acf2a5852d6ab69fc");
}
