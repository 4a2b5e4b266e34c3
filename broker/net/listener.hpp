#pragma once
// ListenerContext: what a connection needs to know of the listener that
// accepted it: its settings and, for TLS, the certificates in force when it
// was accepted. Immutable and shared; a reload makes new ones, connections
// keep theirs.

#include <memory>

#include "net/server_settings.hpp"
#include "transport/tls.hpp"

namespace roost::net {

struct ListenerContext {
  Endpoint settings;
  std::shared_ptr<const transport::TlsContext> tls;  // null: no TLS
  bool websocket() const noexcept { return settings.protocol == Endpoint::Protocol::kWebSockets; }
  bool layered() const noexcept { return tls != nullptr || websocket(); }
};

// Builds a listener's context; throws std::runtime_error (naming the
// listener) when its certificates cannot be loaded.
std::shared_ptr<const ListenerContext> make_listener_context(const Endpoint& endpoint);

}  // namespace roost::net
