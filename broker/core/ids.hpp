#pragma once
// Identifiers shared by the layers.

#include <cstdint>
#include <functional>

namespace roost::core {

// One network connection, unique for the life of the process (never reused).
enum class ConnectionId : std::uint64_t { kNone = 0 };

}  // namespace roost::core

template <>
struct std::hash<roost::core::ConnectionId> {
  std::size_t operator()(roost::core::ConnectionId id) const noexcept {
    return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(id));
  }
};
