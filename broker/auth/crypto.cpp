#include "auth/crypto.hpp"

// options.h first: it sets the configuration the library was built with.
#include <limits>
#include <stdexcept>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pwdbased.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha.h>
#include <wolfssl/wolfcrypt/sha512.h>

namespace roost::auth {

std::vector<std::uint8_t> pbkdf2(Digest digest, std::string_view password, core::ByteView salt,
                                 std::uint32_t iterations, std::size_t length) {
  constexpr auto kIntMax = static_cast<std::uint32_t>(std::numeric_limits<int>::max());
  if (iterations == 0 || iterations > kIntMax || length == 0 || length > 1024 || password.size() > kIntMax ||
      salt.size() > kIntMax) {
    return {};
  }
  std::vector<std::uint8_t> out(length);
  const int type = digest == Digest::kSha512 ? static_cast<int>(WC_SHA512) : static_cast<int>(WC_SHA256);
  const int rc = wc_PBKDF2(out.data(), reinterpret_cast<const byte*>(password.data()),
                           static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                           static_cast<int>(iterations), static_cast<int>(length), type);
  if (rc != 0) return {};
  return out;
}

std::vector<std::uint8_t> sha512(core::ByteView data) {
  std::vector<std::uint8_t> out(WC_SHA512_DIGEST_SIZE);
  if (wc_Sha512Hash(data.data(), static_cast<word32>(data.size()), out.data()) != 0) return {};
  return out;
}

std::vector<std::uint8_t> sha1(core::ByteView data) {
  std::vector<std::uint8_t> out(WC_SHA_DIGEST_SIZE);
  if (wc_ShaHash(data.data(), static_cast<word32>(data.size()), out.data()) != 0) return {};
  return out;
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  WC_RNG rng;
  if (wc_InitRng(&rng) != 0) throw std::runtime_error("cannot initialise the random number generator");
  std::vector<std::uint8_t> out(n);
  const int rc = wc_RNG_GenerateBlock(&rng, out.data(), static_cast<word32>(n));
  wc_FreeRng(&rng);
  if (rc != 0) throw std::runtime_error("cannot read random bytes");
  return out;
}

bool constant_time_equal(core::ByteView a, core::ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  // volatile: the compiler may not stop at the first difference.
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace roost::auth
