// Bridges: every [[bridge]] of the configuration, started after the
// listeners and stopped with the server.

#include <asio/post.hpp>
#include <stdexcept>

#include "bridge/bridge.hpp"
#include "transport/tls.hpp"

namespace roost::bridge {

Bridges::Bridges(net::Server& server, const std::vector<config::BridgeSettings>& settings) : server_(server) {
  for (const config::BridgeSettings& s : settings) {
    std::shared_ptr<const transport::TlsContext> tls;
    if (s.tls) {
      try {
        tls = std::make_shared<const transport::TlsContext>(*s.tls);
      } catch (const std::exception& e) {
        throw std::runtime_error("bridge " + s.name + ": " + e.what());
      }
    }
    bridges_.push_back(std::make_unique<Bridge>(server, s, std::move(tls)));
  }
}

void Bridges::start() {
  if (bridges_.empty()) return;
  server_.on_stop([this] {
    for (auto& b : bridges_) b->stop();
  });
  asio::post(server_.io(), [this] {
    for (auto& b : bridges_) b->start();
  });
}

}  // namespace roost::bridge
