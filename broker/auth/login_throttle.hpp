#pragma once
// LoginThrottle: failed logins slow down the address they come from. After
// n failures in a row the refusal waits 250 ms * 2^(n-1), at most 16 s, and
// a new attempt from that address waits until the previous penalty is
// over, so guessing passwords costs ever more time while every other client
// is unaffected. An address is forgotten 10 minutes after its last failure
// or at its first success. Holds at most kMaxAddresses (the oldest are
// forgotten first). Not thread-safe; time is passed in.

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace roost::auth {

class LoginThrottle {
 public:
  static constexpr auto kBase = std::chrono::milliseconds(250);
  static constexpr auto kMax = std::chrono::seconds(16);
  static constexpr auto kForgetAfter = std::chrono::minutes(10);
  static constexpr std::size_t kMaxAddresses = 4096;

  // How long a login from `address` waits before it is checked.
  core::Duration wait(std::string_view address, core::TimePoint now) const;
  // Records a failure; returns how long its refusal waits.
  core::Duration failed(std::string_view address, core::TimePoint now);
  void succeeded(std::string_view address);
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    unsigned failures = 0;
    core::TimePoint last{};
    core::TimePoint until{};  // the current penalty ends
  };
  void prune(core::TimePoint now);
  std::unordered_map<std::string, Entry> entries_;
};

// The host part of "ip:port" or "[ipv6]:port" (failures count per host).
std::string_view host_of(std::string_view address) noexcept;

}  // namespace roost::auth
