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

// "1.2.3.4:5", "[::1]:5"; an IPv4 client of a dual-stack listener shows as
// IPv4 (not [::ffff:1.2.3.4]), as Mosquitto shows it.
std::string describe(const asio::ip::tcp::endpoint& e) {
  asio::ip::address address = e.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  const std::string host = address.to_string();
  return (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(e.port());
}

std::vector<std::unique_ptr<Worker>> make_workers(Server& server, const ServerSettings& settings) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < std::max(1U, settings.threads); ++i) {
    workers.push_back(std::make_unique<Worker>(server, i, settings));
  }
  return workers;
}

// Bytes a delivery adds to a connection's output, about (for Link::posted).
std::size_t estimate(const engine::Delivery& d) noexcept {
  return d.message->topic().size() + d.message->payload().size() + d.message->properties().size() + 16;
}
}  // namespace

Server::Server(ServerSettings settings, core::Logger logger)
    : settings_(std::move(settings)),
      log_(logger),
      workers_(make_workers(*this, settings_)),
      engine_(settings_.engine, *this, logger),
      commands_(workers_.size()),
      tick_timer_(io()),
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
  asio::post(io(), [this, type, line = std::move(line)] {
    publishing_log = true;
    const core::TimePoint t = now();
    engine_.publish_internal(engine::Message::make(log_topic(type), core::as_bytes(line), protocol::QoS::k0, false, t),
                             t);
    publishing_log = false;
  });
}

std::shared_ptr<Server::Listener> Server::open_listener(const Endpoint& e) {
  std::error_code ec;
  const asio::ip::address address = asio::ip::make_address(e.address, ec);
  if (ec) throw std::system_error(ec, "listener address \"" + e.address + "\"");
  auto listener = std::make_shared<Listener>();
  listener->configured = e;
  listener->context = make_listener_context(e);  // certificates first: nothing is bound if they fail
  const asio::ip::tcp::endpoint endpoint(address, e.port);
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io());
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
  log_.log(core::LogType::kNotice, core::str_cat("Listening on ", describe(acceptor->local_endpoint()), " (",
                                                 e.protocol == Endpoint::Protocol::kWebSockets ? "WebSocket" : "MQTT",
                                                 e.tls ? " over TLS" : "", ")"));
  if (e.allow_anonymous && !address.is_loopback()) {
    log_.log(core::LogType::kWarning, core::str_cat("Listener ", describe(acceptor->local_endpoint()),
                                                    " accepts anonymous clients from the network: set "
                                                    "allow_anonymous = false and add users to require a login"));
  }
  listener->acceptor = std::move(acceptor);
  return listener;
}

void Server::apply_auth(const ServerSettings& settings) {
  authenticator_.set_users(settings.users);
  engine_.set_authorizer(settings.acl);
}

void Server::start() {
  apply_auth(settings_);
  for (const Endpoint& e : settings_.listeners) listeners_.push_back(open_listener(e));
  for (auto& l : listeners_) accept(l);
  for (std::size_t i = 1; i < workers_.size(); ++i) workers_[i]->start();
  on_tick();
}

void Server::reconfigure(ServerSettings settings) {
  asio::post(io(), [this, settings = std::move(settings)]() mutable {
    if (stopping_) return;
    settings.threads = settings_.threads;  // fixed at start
    // Listeners no longer configured stop accepting; their connections stay.
    for (auto it = listeners_.begin(); it != listeners_.end();) {
      Listener& l = **it;
      const auto now = std::find_if(settings.listeners.begin(), settings.listeners.end(),
                                    [&](const Endpoint& e) { return e.same_socket(l.configured); });
      if (now != settings.listeners.end()) {
        // Kept: new settings and certificates for the connections to come.
        try {
          l.context = make_listener_context(*now);
          l.configured = *now;
        } catch (const std::exception& err) {
          log_.log(core::LogType::kError, std::string("Reload: ") + err.what() + "; keeping its current settings");
        }
        ++it;
        continue;
      }
      log_.log(core::LogType::kNotice, "No longer listening on " + describe(l.acceptor->local_endpoint()));
      std::error_code ec;
      l.acceptor->close(ec);  // its pending accept completes with an error; the loop holds it until then
      it = listeners_.erase(it);
    }
    for (const Endpoint& e : settings.listeners) {
      const bool exists = std::any_of(listeners_.begin(), listeners_.end(),
                                      [&](const auto& l) { return l->configured.same_socket(e); });
      if (exists) continue;
      try {
        listeners_.push_back(open_listener(e));
        accept(listeners_.back());
      } catch (const std::exception& err) {
        log_.log(core::LogType::kError, std::string("Reload: ") + err.what());
      }
    }
    engine_.set_settings(settings.engine);
    apply_auth(settings);
    settings.listeners.clear();
    for (const auto& l : listeners_) settings.listeners.push_back(l->configured);
    workers_.front()->set_settings(settings);
    workers_.front()->revalidate(settings);
    for (std::size_t i = 1; i < workers_.size(); ++i) {
      Worker& w = *workers_[i];
      asio::post(w.io(), [&w, copy = settings]() mutable {
        w.set_settings(std::move(copy));
        w.revalidate(w.settings());
      });
    }
    settings_ = std::move(settings);
    log_.log(core::LogType::kNotice, "Configuration reloaded");
  });
}

std::vector<asio::ip::tcp::endpoint> Server::local_endpoints() const {
  std::vector<asio::ip::tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l->acceptor->local_endpoint());
  return out;
}

void Server::run() {
  for (std::size_t i = 1; i < workers_.size(); ++i) threads_.emplace_back([w = workers_[i].get()] { w->run(); });
  workers_.front()->run();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Server::stop() {
  asio::post(io(), [this] {
    if (stopping_) return;
    stopping_ = true;
    log_.log(core::LogType::kNotice, "Shutting down");
    for (auto& hook : stop_hooks_) hook();
    for (auto& l : listeners_) {
      std::error_code ec;
      l->acceptor->close(ec);
    }
    std::vector<core::ConnectionId> all;
    all.reserve(routes_.size());
    for (const auto& [id, route] : routes_) all.push_back(id);
    // Every connection ends before any closes, so wills published now
    // still reach subscribers that are about to be disconnected.
    for (const core::ConnectionId id : all) engine_.connection_lost(id, now());
    for (const core::ConnectionId id : all) close(id, protocol::ReasonCode::kServerShuttingDown);
    engine_.tick(now());
    for (std::size_t i = 1; i < workers_.size(); ++i) {
      Worker& w = *workers_[i];
      asio::post(w.io(), [&w] { w.stop(); });
    }
    if (routes_.empty()) tick_timer_.cancel();
  });
}

void Server::accept(std::shared_ptr<Listener> listener) {
  // Connections are spread round-robin; a socket belongs to its worker's io_context.
  const std::size_t worker = next_worker_++ % workers_.size();
  asio::ip::tcp::acceptor& acceptor = *listener->acceptor;
  acceptor.async_accept(workers_[worker]->io(), [this, listener = std::move(listener), worker](
                                                    const std::error_code& ec, asio::ip::tcp::socket socket) mutable {
    if (ec == asio::error::operation_aborted || stopping_ || !listener->acceptor->is_open()) return;
    if (!ec) {
      on_accepted(worker, std::move(socket), listener->context);
    } else {
      log_.log(core::LogType::kWarning, "Accept failed: " + ec.message());
    }
    accept(std::move(listener));
  });
}

void Server::on_accepted(std::size_t worker, asio::ip::tcp::socket socket,
                         std::shared_ptr<const ListenerContext> context) {
  std::error_code peer_ec;
  const auto peer = socket.remote_endpoint(peer_ec);
  std::string address = peer_ec ? std::string("unknown") : describe(peer);
  ++connections_accepted_;
  if (settings_.max_connections != 0 && routes_.size() >= settings_.max_connections) {
    ++connections_refused_;
    log_.log(core::LogType::kWarning, "Refused connection from " + address + ": max_connections reached");
    socket.close(peer_ec);
    return;
  }
  // A bare connect and close (a health probe) is only worth a debug line.
  log_.log(core::LogType::kDebug, "New connection from " + address);
  const auto id = static_cast<core::ConnectionId>(next_connection_id_++);
  Route& route = routes_[id];
  route.worker = static_cast<std::uint16_t>(worker);
  Worker& w = *workers_[worker];
  if (worker == 0) {
    auto connection =
        std::make_shared<Connection>(w, std::move(socket), id, std::move(address), now(), nullptr, std::move(context));
    route.local = connection.get();
    w.add(connection);
    return;
  }
  route.link = std::make_shared<Link>();
  asio::post(w.io(), [&w, socket = std::move(socket), id, address, link = route.link, t = now(),
                      context = std::move(context)]() mutable {
    w.add(std::make_shared<Connection>(w, std::move(socket), id, std::move(address), t, std::move(link),
                                       std::move(context)));
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
  workers_.front()->check_timeouts(t);
  engine_.tick(t);
  if (settings_.sys_interval != 0 && t >= next_sys_ && !stopping_) {
    sys_.publish(engine_, totals(), t);
    next_sys_ = t + core::Seconds(settings_.sys_interval);
  }
  resume_if_clear();
  if (stopping_ && routes_.empty()) return;  // nothing keeps the engine's io busy: run() returns
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) on_tick();
  });
}

NetCounters Server::totals() const {
  NetCounters n;
  for (const auto& w : workers_) {
    n.bytes_received += w->counters.bytes_received.get();
    n.bytes_sent += w->counters.bytes_sent.get();
    n.packets_received += w->counters.packets_received.get();
    n.packets_sent += w->counters.packets_sent.get();
    n.packets_too_large += w->counters.packets_too_large.get();
    n.publish_dropped += w->counters.publish_dropped.get();
  }
  n.connections_accepted = connections_accepted_;
  n.connections_refused = connections_refused_;
  return n;
}

void Server::apply(engine::Engine& engine, core::ConnectionId id, const protocol::Packet& packet, core::TimePoint now) {
  using protocol::PacketType;
  switch (protocol::type_of(packet.body)) {
    case PacketType::kPuback:
      return engine.puback(id, std::get<protocol::Puback>(packet.body), now);
    case PacketType::kPubrec:
      return engine.pubrec(id, std::get<protocol::Pubrec>(packet.body), now);
    case PacketType::kPubrel:
      return engine.pubrel(id, std::get<protocol::Pubrel>(packet.body), now);
    case PacketType::kPubcomp:
      return engine.pubcomp(id, std::get<protocol::Pubcomp>(packet.body), now);
    case PacketType::kSubscribe:
      return engine.subscribe(id, std::get<protocol::Subscribe>(packet.body), now);
    case PacketType::kUnsubscribe:
      return engine.unsubscribe(id, std::get<protocol::Unsubscribe>(packet.body), now);
    case PacketType::kDisconnect:
      return engine.disconnect(id, std::get<protocol::Disconnect>(packet.body), now);
    case PacketType::kAuth:
      return engine.auth(id, std::get<protocol::Auth>(packet.body), now);
    default:
      return;  // the decoder refuses what a client may not send
  }
}

void Server::run_calls(Worker& from, std::vector<EngineCall> calls) {
  asio::post(io(), [this, &from, calls = std::move(calls)]() mutable {
    // The engine's clock, not the worker's: time never runs backwards for it.
    const core::TimePoint t = now();
    for (EngineCall& call : calls) {
      call.now = t;
      switch (call.kind) {
        case EngineCall::Kind::kPacket:
          apply(engine_, call.connection, call.packet, call.now);
          break;
        case EngineCall::Kind::kConnect:
          set_version(call.connection, std::get<protocol::Connect>(call.packet.body).version);
          engine_.connect(call.connection, std::move(call.packet), call.client, call.now);
          break;
        case EngineCall::Kind::kPublish:
          if (engine_.publish(call.connection, call.packet, call.topic, std::move(call.topic_storage), call.now)) {
            pause_remote(call.connection);
          }
          break;
        case EngineCall::Kind::kLost:
          engine_.connection_lost(call.connection, call.now);
          break;
        case EngineCall::Kind::kWritable:
          engine_.writable(call.connection, call.now);
          break;
        case EngineCall::Kind::kForget:
          gone(call.connection, true);
          break;
      }
    }
    resume_if_clear();
    flush_commands();  // the answers leave now, one post per worker
    from.engine_done(calls.size());
  });
}

void Server::pause(std::shared_ptr<Connection> connection) { paused_.push_back(std::move(connection)); }

void Server::pause_remote(core::ConnectionId connection) {
  const auto it = routes_.find(connection);
  if (it == routes_.end()) return;
  paused_remote_.push_back(connection);
  Command c;
  c.kind = Command::Kind::kPause;
  c.connection = connection;
  enqueue(it->second.worker, std::move(c));
}

void Server::resume_if_clear() {
  if ((paused_.empty() && paused_remote_.empty()) || engine_.congested() != 0) return;
  std::vector<std::shared_ptr<Connection>> resumed;
  resumed.swap(paused_);
  for (auto& c : resumed) c->resume();
  std::vector<core::ConnectionId> remote;
  remote.swap(paused_remote_);
  for (const core::ConnectionId id : remote) {
    const auto it = routes_.find(id);
    if (it == routes_.end()) continue;
    Command c;
    c.kind = Command::Kind::kResume;
    c.connection = id;
    enqueue(it->second.worker, std::move(c));
  }
}

void Server::gone(core::ConnectionId id, bool tell_engine) {
  if (tell_engine) engine_.connection_lost(id, now());
  routes_.erase(id);
  resume_if_clear();
  if (stopping_ && routes_.empty()) tick_timer_.cancel();
}

core::ConnectionId Server::attach(LocalPeer& peer) {
  const auto id = static_cast<core::ConnectionId>(next_connection_id_++);
  routes_[id].peer = &peer;
  return id;
}

void Server::detach(core::ConnectionId id, bool tell_engine) {
  if (routes_.contains(id)) gone(id, tell_engine);
}

void Server::set_version(core::ConnectionId id, protocol::ProtocolVersion version) {
  if (const auto it = routes_.find(id); it != routes_.end()) it->second.version = version;
}

void Server::enqueue(std::size_t worker, Command command) {
  commands_[worker].push_back(std::move(command));
  if (flush_posted_) return;
  flush_posted_ = true;
  // After the handlers already due on the engine's thread: one post per worker per turn.
  asio::post(io(), [this] {
    flush_posted_ = false;
    flush_commands();
  });
}

void Server::flush_commands() {
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    if (commands_[i].empty()) continue;
    Worker& w = *workers_[i];
    asio::post(w.io(), [&w, batch = std::move(commands_[i])]() mutable { w.run_commands(batch); });
    commands_[i] = {};
  }
}

void Server::send(core::ConnectionId connection, const protocol::PacketBody& packet) {
  const auto it = routes_.find(connection);
  if (it == routes_.end()) return;
  Route& route = it->second;
  if (route.local != nullptr) return route.local->send(packet);
  if (route.peer != nullptr) return route.peer->send(packet);
  Command c;
  c.connection = connection;
  if (!protocol::Encoder(protocol::Role::kServer, route.version).encode(packet, c.frame)) return;
  if (const auto* ack = std::get_if<protocol::Connack>(&packet); ack != nullptr && !protocol::is_failure(ack->reason)) {
    c.connack_accepted = true;
    c.server_keep_alive = ack->properties.server_keep_alive;
  }
  enqueue(route.worker, std::move(c));
}

bool Server::deliver(core::ConnectionId connection, const engine::Delivery& d) {
  const auto it = routes_.find(connection);
  if (it == routes_.end()) return true;
  Route& route = it->second;
  if (route.local != nullptr) return route.local->deliver(d);
  if (route.peer != nullptr) return route.peer->deliver(d);
  Link& link = *route.link;
  if (d.qos == protocol::QoS::k0) {
    // QoS 0 is dropped when the client does not keep up (its worker's
    // output plus what is on its way there). The worker reads wants_room
    // after storing its output size; seq_cst on both sides means one of
    // us sees the other, so a refusal is always followed by writable().
    const auto backlog = [&] { return link.output.load() + link.posted.load(); };
    if (backlog() > settings_.max_output_buffer) {
      link.wants_room.store(true);
      if (backlog() > settings_.max_output_buffer) return false;
    }
  }
  Command c;
  c.kind = Command::Kind::kDeliver;
  c.connection = connection;
  c.message = d.message;
  c.qos = d.qos;
  c.packet_id = d.packet_id;
  c.dup = d.dup;
  c.retain = d.retain;
  c.subscription_identifiers.assign(d.subscription_identifiers.begin(), d.subscription_identifiers.end());
  c.message_expiry = d.message_expiry;
  c.estimate = estimate(d);
  link.posted.fetch_add(c.estimate, std::memory_order_relaxed);
  enqueue(route.worker, std::move(c));
  return true;
}

void Server::close(core::ConnectionId connection, std::optional<protocol::ReasonCode> reason) {
  const auto it = routes_.find(connection);
  if (it == routes_.end()) return;
  Route& route = it->second;
  if (route.local != nullptr) {
    const auto keep = route.local->shared_from_this();  // closing may forget it at once
    return keep->close_from_engine(reason);
  }
  if (route.peer != nullptr) return route.peer->closed_by_engine(reason);
  Command c;
  c.kind = Command::Kind::kClose;
  c.connection = connection;
  c.reason = reason;
  enqueue(route.worker, std::move(c));
}

}  // namespace roost::net
