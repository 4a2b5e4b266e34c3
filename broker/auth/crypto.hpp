#pragma once
// The cryptography authentication needs, from wolfCrypt: PBKDF2, SHA-512,
// SHA-1 (the WebSocket handshake), random bytes and constant-time comparison.
// Thread-safe: every function keeps its state on the stack.

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace roost::auth {

enum class Digest : std::uint8_t { kSha256, kSha512 };

// PBKDF2-HMAC(`digest`) of `password` and `salt`, `length` bytes long.
// Empty on failure (iterations 0, a length the library refuses).
std::vector<std::uint8_t> pbkdf2(Digest digest, std::string_view password, core::ByteView salt,
                                 std::uint32_t iterations, std::size_t length);

std::vector<std::uint8_t> sha512(core::ByteView data);
std::vector<std::uint8_t> sha1(core::ByteView data);

// `n` bytes from the operating system's CSPRNG (through wolfCrypt's DRBG).
// Throws std::runtime_error when none can be had.
std::vector<std::uint8_t> random_bytes(std::size_t n);

// True when `a` equals `b`; the time taken depends only on the lengths.
bool constant_time_equal(core::ByteView a, core::ByteView b) noexcept;

}  // namespace roost::auth
