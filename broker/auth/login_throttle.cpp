#include "auth/login_throttle.hpp"

#include <algorithm>

namespace roost::auth {

std::string_view host_of(std::string_view address) noexcept {
  if (address.starts_with('[')) {
    const std::size_t close = address.find(']');
    return close == std::string_view::npos ? address : address.substr(1, close - 1);
  }
  const std::size_t colon = address.rfind(':');
  return colon == std::string_view::npos ? address : address.substr(0, colon);
}

core::Duration LoginThrottle::wait(std::string_view address, core::TimePoint now) const {
  const auto it = entries_.find(std::string(address));
  if (it == entries_.end() || it->second.until <= now) return core::Duration::zero();
  return it->second.until - now;
}

core::Duration LoginThrottle::failed(std::string_view address, core::TimePoint now) {
  auto it = entries_.find(std::string(address));
  if (it == entries_.end()) {
    prune(now);
    it = entries_.emplace(std::string(address), Entry{}).first;
  } else if (now - it->second.last > kForgetAfter) {
    it->second = Entry{};
  }
  Entry& e = it->second;
  e.failures = std::min(e.failures + 1, 30U);
  e.last = now;
  const core::Duration penalty =
      std::min<core::Duration>(std::chrono::duration_cast<core::Duration>(kBase * (1LL << (e.failures - 1))),
                               std::chrono::duration_cast<core::Duration>(kMax));
  e.until = now + penalty;
  return penalty;
}

void LoginThrottle::succeeded(std::string_view address) { entries_.erase(std::string(address)); }

void LoginThrottle::prune(core::TimePoint now) {
  std::erase_if(entries_, [now](const auto& e) { return now - e.second.last > kForgetAfter; });
  if (entries_.size() < kMaxAddresses) return;
  // Still full of recent failures: forget the oldest.
  auto oldest = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.last < oldest->second.last) oldest = it;
  }
  entries_.erase(oldest);
}

}  // namespace roost::auth
