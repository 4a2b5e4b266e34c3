#pragma once
// Authorizer: who may publish to and receive from which topics. The engine
// asks it once per client identity (at CONNECT, and when the rules are
// reloaded) for that client's Grants, then consults the Grants on PUBLISH,
// SUBSCRIBE, every delivery a subscription cannot vouch for, retained
// messages sent on subscribe and wills. Without an authorizer everything is
// allowed. The auth layer implements it from ACL files and TOML rules.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace roost::engine {

enum class SubscribeAccess : std::uint8_t {
  kDenied,   // no topic the filter matches may be read
  kChecked,  // some may: each delivery is checked
  kGranted,  // every topic the filter matches may be read: deliveries need no check
};

// What one client may do. Immutable; called on the engine's thread.
class Grants {
 public:
  virtual ~Grants() = default;
  virtual bool can_publish(std::string_view topic) const = 0;
  virtual bool can_receive(std::string_view topic) const = 0;
  // `filter` without any "$share/<name>/" prefix.
  virtual SubscribeAccess can_subscribe(std::string_view filter) const = 0;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // The grants of a client; `username` is null for an anonymous client.
  virtual std::unique_ptr<const Grants> grants(const std::string* username, std::string_view client_id) const = 0;
};

}  // namespace roost::engine
