#pragma once
// Conversions between the engine's values and database columns, shared by
// the store's writer (sqlite_store.cpp) and its loader (sqlite_store_load.cpp).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "engine/message.hpp"

namespace roost::store {

using engine::SessionId;

inline std::uint64_t key(SessionId id) { return static_cast<std::uint64_t>(id); }

// Wall-clock milliseconds for a steady time point, and back: the database
// outlives the process, the steady clock does not.
inline std::int64_t wall_ms(core::TimePoint t) {
  const auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(t - core::Clock::now());
  const auto wall =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return (wall + offset).count();
}

// The inverse of wall_ms() around `now`: a caller's clock (tests inject one)
// and the real steady clock may differ, and the two must cancel out.
inline core::TimePoint steady_of(std::int64_t ms, core::TimePoint now) {
  return now + std::chrono::milliseconds(ms - wall_ms(now));
}

inline std::string encode_identifiers(const std::vector<std::uint32_t>& ids) {
  std::string out;
  for (const std::uint32_t id : ids) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((id >> (8 * i)) & 0xFF));
  }
  return out;
}

inline std::vector<std::uint32_t> decode_identifiers(const void* data, int size) {
  std::vector<std::uint32_t> out;
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (int i = 0; i + 4 <= size; i += 4) {
    out.push_back(static_cast<std::uint32_t>(p[i]) | static_cast<std::uint32_t>(p[i + 1]) << 8 |
                  static_cast<std::uint32_t>(p[i + 2]) << 16 | static_cast<std::uint32_t>(p[i + 3]) << 24);
  }
  return out;
}

}  // namespace roost::store
