#pragma once
// Server: listeners, workers (one io_context per thread) and the engine,
// with the engine's Outbox routed to connections. The engine runs on worker
// 0; its connections are called directly, those of other workers through
// per-worker command batches. With one thread nothing here takes a lock or
// posts across threads.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "auth/authenticator.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "engine/engine.hpp"
#include "engine/outbox.hpp"
#include "net/listener.hpp"
#include "net/server_settings.hpp"
#include "net/sys_topics.hpp"
#include "net/worker.hpp"

namespace roost::net {

class Connection;

// An in-process client of the engine: a bridge's local end. The engine
// reaches it through the Server like any connection; every call comes on
// the engine's thread, and it calls Server::engine() directly.
class LocalPeer {
 public:
  virtual ~LocalPeer() = default;
  // A control packet (CONNACK, PUBACK, SUBACK, ...); views valid during the call.
  virtual void send(const protocol::PacketBody& packet) = 0;
  // A PUBLISH; false when a QoS 0 message was dropped (no room).
  virtual bool deliver(const engine::Delivery& delivery) = 0;
  // The engine ended the connection (taken over, shutdown): the peer calls detach().
  virtual void closed_by_engine(std::optional<protocol::ReasonCode> reason) = 0;
};

class Server : public engine::Outbox {
 public:
  Server(ServerSettings settings, core::Logger logger);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener. Throws std::system_error, naming the address, when one cannot be bound.
  void start();
  // The addresses actually bound (ports resolved when 0 was asked for).
  std::vector<asio::ip::tcp::endpoint> local_endpoints() const;
  // Applies a new configuration (already validated): listeners no longer
  // listed stop accepting, new ones open (a failure is logged, the rest
  // applies), engine limits apply to what comes next. Safe from any thread.
  void reconfigure(ServerSettings settings);
  // Runs until stop() has finished.
  void run();
  // Stops accepting, ends every connection (wills as the spec says), then
  // lets run() return. Safe from any thread and from signal handlers' posts.
  void stop();

  // The engine's io_context (worker 0's): signals and reloads are handled there.
  asio::io_context& io() noexcept { return workers_.front()->io(); }
  std::size_t thread_count() const noexcept { return workers_.size(); }

  // Publishes a log line on Mosquitto's $SYS/broker/log/<E|W|N|I|D> or
  // $SYS/broker/log/M/(un)subscribe topic (QoS 0, not retained), after the
  // current handler. Lines logged while one is being published are not
  // published (no feedback loop). Safe from any thread.
  void publish_log(core::LogType type, std::string line);

  // --- for connections ---
  // Checks logins; thread-safe.
  auth::Authenticator& authenticator() noexcept { return authenticator_; }
  // The engine, for worker 0's connections (on its thread) only.
  engine::Engine& engine() noexcept { return engine_; }
  const core::Logger& log() const noexcept { return log_; }
  core::TimePoint now() const noexcept { return core::Clock::now(); }
  // Hands a packet other than CONNECT and PUBLISH to the engine.
  static void apply(engine::Engine& engine, core::ConnectionId id, const protocol::Packet& packet, core::TimePoint now);
  // Runs another worker's calls on the engine's thread (posts them there).
  void run_calls(Worker& from, std::vector<EngineCall> calls);
  // A publisher on another worker fed a congested subscriber: stop reading it.
  void pause_remote(core::ConnectionId connection);
  // Flow control for worker 0: remember a paused publisher; resume them all
  // once no subscriber is congested.
  void pause(std::shared_ptr<Connection> connection);
  void resume_if_clear();
  // A connection has closed (on the engine's thread). `tell_engine`: end
  // its session too if the engine still thinks it is online (another
  // worker's connection may have sent CONNECT just before a close crossed it).
  void gone(core::ConnectionId id, bool tell_engine);
  // The engine's own connection: the protocol version, learnt from CONNECT
  // (on the engine's thread), for encoding control packets for other workers.
  void set_version(core::ConnectionId id, protocol::ProtocolVersion version);
  // A local peer joins (engine thread): the id to call the engine with.
  core::ConnectionId attach(LocalPeer& peer);
  // It leaves; `tell_engine`: its session goes offline as on a lost connection.
  void detach(core::ConnectionId id, bool tell_engine);
  // Runs `f` on the engine's thread when stop() begins (bridges stop reconnecting).
  void on_stop(std::function<void()> f) { stop_hooks_.push_back(std::move(f)); }
  // The totals of every worker and the server ($SYS).
  NetCounters totals() const;

  // --- engine::Outbox (on the engine's thread) ---
  void send(core::ConnectionId connection, const protocol::PacketBody& packet) override;
  bool deliver(core::ConnectionId connection, const engine::Delivery& delivery) override;
  void close(core::ConnectionId connection, std::optional<protocol::ReasonCode> reason) override;

 private:
  // One listener; heap-allocated so the accept loop can hold it across reloads.
  struct Listener {
    Endpoint configured;
    std::shared_ptr<const ListenerContext> context;  // replaced by a reload (new certificates)
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
  };
  // Where the engine reaches a connection.
  struct Route {
    Connection* local = nullptr;  // worker 0's connections: called directly
    LocalPeer* peer = nullptr;    // in-process clients (bridges)
    std::shared_ptr<Link> link;   // the other workers' connections
    std::uint16_t worker = 0;
    protocol::ProtocolVersion version = protocol::ProtocolVersion::kV311;
  };
  // Opens a listener; throws std::system_error (cannot bind) or std::runtime_error (certificates).
  std::shared_ptr<Listener> open_listener(const Endpoint& endpoint);
  void accept(std::shared_ptr<Listener> listener);
  void on_accepted(std::size_t worker, asio::ip::tcp::socket socket, std::shared_ptr<const ListenerContext> context);
  // Applies users and ACL rules (start and reload).
  void apply_auth(const ServerSettings& settings);
  void on_tick();
  void enqueue(std::size_t worker, Command command);
  void flush_commands();

  ServerSettings settings_;
  core::Logger log_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  engine::Engine engine_;
  // After the workers: destroyed first, so its pending checks post to live io_contexts.
  auth::Authenticator authenticator_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::unordered_map<core::ConnectionId, Route> routes_;
  std::vector<std::shared_ptr<Connection>> paused_;
  std::vector<core::ConnectionId> paused_remote_;
  std::vector<std::vector<Command>> commands_;  // per worker, until flush_commands()
  bool flush_posted_ = false;
  std::size_t next_worker_ = 0;
  asio::steady_timer tick_timer_;
  std::uint64_t next_connection_id_ = 1;
  bool stopping_ = false;
  std::vector<std::function<void()>> stop_hooks_;
  SysTopics sys_;
  core::TimePoint next_sys_;
  std::uint64_t ticks_ = 0;
  // Counted on the engine's thread.
  std::uint64_t connections_accepted_ = 0;
  std::uint64_t connections_refused_ = 0;
};

}  // namespace roost::net
