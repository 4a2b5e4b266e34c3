#include "net/server.hpp"

#include <algorithm>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <system_error>

#include "net/connection.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace roost::net {

namespace {
constexpr std::size_t kReadBufferSize = std::size_t{64} * 1024;

std::string describe(const asio::ip::tcp::endpoint& e) {
  const std::string host = e.address().to_string();
  return (e.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(e.port());
}
}  // namespace

Server::Server(ServerSettings settings, core::Logger logger)
    : settings_(std::move(settings)),
      log_(logger),
      engine_(settings_.engine, *this, logger),
      tick_timer_(io_),
      read_buffer_(kReadBufferSize),
      sys_(settings_.version, core::Clock::now()),
      next_sys_(core::Clock::now()) {}

Server::~Server() = default;

namespace {
std::string_view log_topic(core::LogType type) noexcept {
  switch (type) {
    case core::LogType::kError:
      return "$SYS/broker/log/E";
    case core::LogType::kWarning:
      return "$SYS/broker/log/W";
    case core::LogType::kNotice:
      return "$SYS/broker/log/N";
    case core::LogType::kInformation:
      return "$SYS/broker/log/I";
    case core::LogType::kDebug:
      return "$SYS/broker/log/D";
    case core::LogType::kSubscribe:
      return "$SYS/broker/log/M/subscribe";
    case core::LogType::kUnsubscribe:
      return "$SYS/broker/log/M/unsubscribe";
  }
  return "$SYS/broker/log/N";
}

// Set while a log line is being published on the thread doing it.
thread_local bool publishing_log = false;
}  // namespace

void Server::publish_log(core::LogType type, std::string line) {
  if (publishing_log) return;
  asio::post(io_, [this, type, line = std::move(line)] {
    publishing_log = true;
    const core::TimePoint t = now();
    engine_.publish_internal(engine::Message::make(log_topic(type), core::as_bytes(line), protocol::QoS::k0, false, t),
                             t);
    publishing_log = false;
  });
}

std::unique_ptr<asio::ip::tcp::acceptor> Server::open_listener(const Endpoint& e) {
  std::error_code ec;
  const asio::ip::address address = asio::ip::make_address(e.address, ec);
  if (ec) throw std::system_error(ec, "listener address \"" + e.address + "\"");
  const asio::ip::tcp::endpoint endpoint(address, e.port);
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
  acceptor->open(endpoint.protocol());
  acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true));
  if (address.is_v6() && address.is_unspecified()) {
    // "::" takes IPv4 as well where the system allows (dual stack).
    acceptor->set_option(asio::ip::v6_only(false), ec);
  } else if (address.is_v6()) {
    acceptor->set_option(asio::ip::v6_only(true), ec);
  }
  acceptor->bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "cannot listen on " + describe(endpoint));
  acceptor->listen(asio::socket_base::max_listen_connections);
  log_.log(core::LogType::kNotice, "Listening on " + describe(acceptor->local_endpoint()));
  return acceptor;
}

void Server::start() {
  for (const Endpoint& e : settings_.listeners) listeners_.push_back(Listener{e, open_listener(e)});
  for (auto& l : listeners_) accept(*l.acceptor);
  on_tick();
}

void Server::reconfigure(ServerSettings settings) {
  asio::post(io_, [this, settings = std::move(settings)]() mutable {
    if (stopping_) return;
    auto same = [](const Endpoint& a, const Endpoint& b) { return a.address == b.address && a.port == b.port; };
    // Listeners no longer configured stop accepting; their connections stay.
    for (auto it = listeners_.begin(); it != listeners_.end();) {
      const bool kept = std::any_of(settings.listeners.begin(), settings.listeners.end(),
                                    [&](const Endpoint& e) { return same(e, it->configured); });
      if (kept) {
        ++it;
        continue;
      }
      log_.log(core::LogType::kNotice, "No longer listening on " + describe(it->acceptor->local_endpoint()));
      std::error_code ec;
      it->acceptor->close(ec);
      retired_.push_back(std::move(it->acceptor));  // its pending accept completes later
      it = listeners_.erase(it);
    }
    for (const Endpoint& e : settings.listeners) {
      const bool exists =
          std::any_of(listeners_.begin(), listeners_.end(), [&](const Listener& l) { return same(l.configured, e); });
      if (exists) continue;
      try {
        listeners_.push_back(Listener{e, open_listener(e)});
        accept(*listeners_.back().acceptor);
      } catch (const std::system_error& err) {
        log_.log(core::LogType::kError, std::string("Reload: ") + err.what());
      }
    }
    engine_.set_settings(settings.engine);
    settings.listeners.clear();
    for (const Listener& l : listeners_) settings.listeners.push_back(l.configured);
    settings_ = std::move(settings);
    log_.log(core::LogType::kNotice, "Configuration reloaded");
  });
}

std::vector<asio::ip::tcp::endpoint> Server::local_endpoints() const {
  std::vector<asio::ip::tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l.acceptor->local_endpoint());
  return out;
}

void Server::run() { io_.run(); }

void Server::stop() {
  asio::post(io_, [this] {
    if (stopping_) return;
    stopping_ = true;
    log_.log(core::LogType::kNotice, "Shutting down");
    for (auto& l : listeners_) {
      std::error_code ec;
      l.acceptor->close(ec);
    }
    // Copy: shutting down removes connections from the map.
    std::vector<std::shared_ptr<Connection>> all;
    for (auto& [id, c] : connections_) all.push_back(c);
    // Every connection ends before any closes, so wills published now
    // still reach subscribers that are about to be disconnected.
    for (auto& c : all) engine_.connection_lost(c->id(), now());
    for (auto& c : all) c->shut_down();
    engine_.tick(now());
    if (connections_.empty()) tick_timer_.cancel();
  });
}

void Server::accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](const std::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (!ec) {
      std::error_code peer_ec;
      const auto peer = socket.remote_endpoint(peer_ec);
      const std::string address = peer_ec ? std::string("unknown") : describe(peer);
      ++counters.connections_accepted;
      if (settings_.max_connections != 0 && connections_.size() >= settings_.max_connections) {
        ++counters.connections_refused;
        log_.log(core::LogType::kWarning, "Refused connection from " + address + ": max_connections reached");
        socket.close(peer_ec);
      } else {
        // A bare connect and close (a health probe) is only worth a debug line.
        log_.log(core::LogType::kDebug, "New connection from " + address);
        const auto id = static_cast<core::ConnectionId>(next_connection_id_++);
        auto connection = std::make_shared<Connection>(*this, std::move(socket), id, address, now());
        connections_.emplace(id, connection);
        connection->start();
      }
    } else {
      log_.log(core::LogType::kWarning, "Accept failed: " + ec.message());
    }
    accept(acceptor);
  });
}

void Server::on_tick() {
  const core::TimePoint t = now();
#if defined(__GLIBC__)
  // Hand freed memory back to the system every 10 s: after a burst (a
  // reconnect storm, a retained flood) glibc keeps the pages otherwise, and
  // on a 512 MB Pi resident memory is what counts.
  if (++ticks_ % 10 == 0) malloc_trim(0);
#endif
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) c->check_timeouts(t);
  engine_.tick(t);
  if (settings_.sys_interval != 0 && t >= next_sys_ && !stopping_) {
    sys_.publish(engine_, counters, t);
    next_sys_ = t + core::Seconds(settings_.sys_interval);
  }
  resume_if_clear();
  if (stopping_ && connections_.empty()) return;  // nothing keeps io_ busy: run() returns
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) on_tick();
  });
}

void Server::pause(std::shared_ptr<Connection> connection) { paused_.push_back(std::move(connection)); }

void Server::resume_if_clear() {
  if (paused_.empty() || engine_.congested() != 0) return;
  std::vector<std::shared_ptr<Connection>> resumed;
  resumed.swap(paused_);
  for (auto& c : resumed) c->resume();
}

void Server::forget(core::ConnectionId id) {
  connections_.erase(id);
  resume_if_clear();
  if (stopping_ && connections_.empty()) tick_timer_.cancel();
}

Connection* Server::find(core::ConnectionId id) noexcept {
  const auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void Server::send(core::ConnectionId connection, const protocol::PacketBody& packet) {
  if (Connection* c = find(connection)) c->send(packet);
}

bool Server::deliver(core::ConnectionId connection, const engine::Delivery& delivery) {
  Connection* c = find(connection);
  return c == nullptr || c->deliver(delivery);
}

void Server::close(core::ConnectionId connection, std::optional<protocol::ReasonCode> reason) {
  if (Connection* c = find(connection)) c->close_from_engine(reason);
}

}  // namespace roost::net
