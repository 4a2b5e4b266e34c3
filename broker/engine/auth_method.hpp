#pragma once
// AuthMethod: the pluggable MQTT 5 extended authentication ([MQTT-4.12]).
// A client names a method in CONNECT; the engine runs an instance of it for
// the exchange of AUTH packets, at connect time and on re-authentication.
// No method is built in: register one with Engine::register_auth_method().

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "protocol/reason_code.hpp"

namespace roost::engine {

struct AuthStep {
  enum class Outcome { kContinue, kSuccess, kFailure };
  Outcome outcome = Outcome::kFailure;
  std::string data;  // Authentication Data for the client (empty: none)
  protocol::ReasonCode reason = protocol::ReasonCode::kNotAuthorized;  // with kFailure
};

class AuthMethod {
 public:
  virtual ~AuthMethod() = default;
  // The CONNECT (or re-authentication AUTH) with its Authentication Data.
  virtual AuthStep start(std::string_view client_id, std::optional<core::ByteView> data) = 0;
  // The client's next AUTH (Continue authentication) with its data.
  virtual AuthStep next(std::optional<core::ByteView> data) = 0;
};

// Makes one instance per exchange (instances keep the exchange's state).
using AuthMethodFactory = std::function<std::unique_ptr<AuthMethod>()>;

}  // namespace roost::engine
