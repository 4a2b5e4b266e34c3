#include "protocol/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace roost::protocol {

Utf8Status check_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Fast path: 8 ASCII bytes at a time (no high bit set, no zero byte).
    if (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      constexpr std::uint64_t kHigh = 0x8080808080808080ull;
      constexpr std::uint64_t kLow = 0x0101010101010101ull;
      if ((word & kHigh) == 0 && ((word - kLow) & ~word & kHigh) == 0) {
        p += 8;
        continue;
      }
    }
    const std::uint8_t c = *p;
    if (c < 0x80) {
      if (c == 0) return Utf8Status::kNullCharacter;
      ++p;
      continue;
    }
    // Lead byte: number of continuation bytes and the valid range of the
    // second byte (which rules out overlongs, surrogates and > U+10FFFF).
    int extra = 0;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c == 0xE0) {
      extra = 2;
      lo = 0xA0;  // no overlong 3-byte forms
    } else if (c == 0xED) {
      extra = 2;
      hi = 0x9F;  // no surrogates U+D800..U+DFFF
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      extra = 2;
    } else if (c == 0xF0) {
      extra = 3;
      lo = 0x90;  // no overlong 4-byte forms
    } else if (c >= 0xF1 && c <= 0xF3) {
      extra = 3;
    } else if (c == 0xF4) {
      extra = 3;
      hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return Utf8Status::kIllFormed;  // 0x80..0xC1 or 0xF5..0xFF as a lead byte
    }
    if (end - p <= extra) return Utf8Status::kIllFormed;
    if (p[1] < lo || p[1] > hi) return Utf8Status::kIllFormed;
    for (int i = 2; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return Utf8Status::kIllFormed;
    }
    p += extra + 1;
  }
  return Utf8Status::kValid;
}

}  // namespace roost::protocol
