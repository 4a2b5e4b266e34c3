#pragma once
// PasswordHash: one stored password, in any of the formats Mosquitto users
// and the Home Assistant add-on bring:
//   $7$<iterations>$<salt>$<hash>        PBKDF2-HMAC-SHA512 (mosquitto_passwd 2.x)
//   $6$<salt>$<hash>                     SHA-512(password || salt) (mosquitto_passwd 1.x)
//   PBKDF2$<sha512|sha256>$<iterations>$<salt>$<hash>
//                                        mosquitto-go-auth's `pw` (base64 salt;
//                                        the key length is the hash's length)
//   pbkdf2-sha512$i=<iterations>,l=<length>$<salt>$<hash>
//                                        the same in PHC form (unpadded base64)
// Salts and hashes are standard base64. Verification compares in constant time.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/crypto.hpp"
#include "core/result.hpp"

namespace roost::auth {

class PasswordHash {
 public:
  enum class Format : std::uint8_t { kMosquittoPbkdf2, kMosquittoSha512, kGoAuthPbkdf2, kPhcPbkdf2 };

  // The hash `text` describes, or why it is not one.
  static core::Result<PasswordHash, std::string> parse(std::string_view text);
  // A new $7$ hash of `password` with a random 12-byte salt (Mosquitto's choice).
  static PasswordHash make(std::string_view password, std::uint32_t iterations);
  // A new PBKDF2$sha512$ hash as mosquitto-go-auth's `pw -p` writes it
  // (16-byte salt, 64-byte key): what the official add-on's logins accept.
  static PasswordHash make_go_auth(std::string_view password, std::uint32_t iterations);

  // Hashes `password` the same way and compares. Costs `iterations` rounds:
  // never call it on an I/O thread.
  bool verify(std::string_view password) const;

  // The stored form, as parse() reads it.
  std::string to_string() const;

  Format format() const noexcept { return format_; }
  std::uint32_t iterations() const noexcept { return iterations_; }

  // Iterations above this are refused: one CONNECT must not keep the hashing thread for minutes.
  static constexpr std::uint32_t kMaxIterations = 10'000'000;

 private:
  PasswordHash() = default;
  // PBKDF2-HMAC-SHA512 with a random salt and a 64-byte key, stored as `format`.
  static PasswordHash make_sha512(Format format, std::string_view password, std::uint32_t iterations,
                                  std::size_t salt_size);
  Format format_ = Format::kMosquittoPbkdf2;
  Digest digest_ = Digest::kSha512;
  std::uint32_t iterations_ = 0;
  std::vector<std::uint8_t> salt_;
  std::vector<std::uint8_t> hash_;
};

}  // namespace roost::auth
