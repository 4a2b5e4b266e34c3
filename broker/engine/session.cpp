#include "engine/session.hpp"

#include <algorithm>

namespace roost::engine {

std::uint16_t Session::take_packet_id() noexcept {
  // The window is below 65 535, so a free identifier always exists.
  while (true) {
    const std::uint16_t id = next_packet_id_;
    next_packet_id_ = static_cast<std::uint16_t>(next_packet_id_ == 65535 ? 1 : next_packet_id_ + 1);
    if (find_inflight(id) == nullptr) return id;
  }
}

Outgoing* Session::find_inflight(std::uint16_t packet_id) noexcept {
  // Acknowledgements usually arrive in order: the oldest entry comes first.
  for (Outgoing& o : inflight) {
    if (o.packet_id == packet_id) return &o;
  }
  return nullptr;
}

void Session::erase_inflight(const Outgoing* entry) noexcept {
  const auto it = inflight.begin() + (entry - inflight.data());
  inflight.erase(it);
}

}  // namespace roost::engine
