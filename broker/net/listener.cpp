#include "net/listener.hpp"

#include <stdexcept>

namespace roost::net {

std::shared_ptr<const ListenerContext> make_listener_context(const Endpoint& endpoint) {
  auto context = std::make_shared<ListenerContext>();
  context->settings = endpoint;
  if (endpoint.tls) {
    try {
      context->tls = std::make_shared<const transport::TlsContext>(*endpoint.tls);
    } catch (const std::exception& e) {
      throw std::runtime_error("listener " + endpoint.address + ":" + std::to_string(endpoint.port) + ": " + e.what());
    }
  }
  return context;
}

}  // namespace roost::net
