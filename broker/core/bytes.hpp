#pragma once
// Byte vocabulary shared by every layer.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace roost::core {

// A read-only view of bytes owned elsewhere.
using ByteView = std::span<const std::uint8_t>;

// Views the characters of `s` as bytes (no copy).
inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Views `b` as characters (no copy).
inline std::string_view as_chars(ByteView b) noexcept { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// True when `a` and `b` hold the same bytes.
inline bool equal_bytes(ByteView a, ByteView b) noexcept { return as_chars(a) == as_chars(b); }

}  // namespace roost::core
