#pragma once
// Server: listeners, connections and the engine on one io_context, with the
// engine's Outbox routed to connections. With one thread nothing here takes
// a lock: every handler runs on the same io_context.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "engine/engine.hpp"
#include "engine/outbox.hpp"
#include "net/sys_topics.hpp"

namespace roost::net {

class Connection;

struct Endpoint {
  std::string address;
  std::uint16_t port = 1883;
};

struct ServerSettings {
  std::vector<Endpoint> listeners;
  std::uint32_t max_packet_size = 0;  // 0: the protocol's limit
  std::uint32_t max_connect_size = 256 * 1024;
  std::size_t max_connections = 0;     // 0: no limit
  std::uint32_t connect_timeout = 10;  // seconds to send CONNECT
  std::size_t max_output_buffer = std::size_t{1024} * 1024;
  bool connection_messages = true;
  std::uint32_t sys_interval = 10;  // seconds between $SYS updates (0: none)
  std::string version = "roost";    // $SYS/broker/version
  engine::EngineSettings engine;
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

  asio::io_context& io() noexcept { return io_; }

  // Publishes a log line on Mosquitto's $SYS/broker/log/<E|W|N|I|D> or
  // $SYS/broker/log/M/(un)subscribe topic (QoS 0, not retained), after the
  // current handler. Lines logged while one is being published are not
  // published (no feedback loop). Safe from any thread.
  void publish_log(core::LogType type, std::string line);

  // --- for connections (same thread) ---
  engine::Engine& engine() noexcept { return engine_; }
  const ServerSettings& settings() const noexcept { return settings_; }
  const core::Logger& log() const noexcept { return log_; }
  std::vector<std::uint8_t>& read_buffer() noexcept { return read_buffer_; }
  // Scratch shared by the connections of this thread (used synchronously only).
  protocol::Packet& scratch_packet() noexcept { return scratch_packet_; }
  std::vector<core::ByteView>& scratch_pieces() noexcept { return scratch_pieces_; }
  void forget(core::ConnectionId id);
  // Flow control: remember a paused publisher; resume them all once no
  // subscriber is congested.
  void pause(std::shared_ptr<Connection> connection);
  void resume_if_clear();
  core::TimePoint now() const noexcept { return core::Clock::now(); }
  NetCounters counters;

  // --- engine::Outbox ---
  void send(core::ConnectionId connection, const protocol::PacketBody& packet) override;
  bool deliver(core::ConnectionId connection, const engine::Delivery& delivery) override;
  void close(core::ConnectionId connection, std::optional<protocol::ReasonCode> reason) override;

 private:
  struct Listener {
    Endpoint configured;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
  };
  std::unique_ptr<asio::ip::tcp::acceptor> open_listener(const Endpoint& endpoint);
  void accept(asio::ip::tcp::acceptor& acceptor);
  void on_tick();
  Connection* find(core::ConnectionId id) noexcept;

  ServerSettings settings_;
  core::Logger log_;
  asio::io_context io_{1};
  engine::Engine engine_;
  std::vector<Listener> listeners_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> retired_;  // closed, until the process ends
  std::unordered_map<core::ConnectionId, std::shared_ptr<Connection>> connections_;
  std::vector<std::shared_ptr<Connection>> paused_;
  asio::steady_timer tick_timer_;
  std::vector<std::uint8_t> read_buffer_;
  protocol::Packet scratch_packet_;
  std::vector<core::ByteView> scratch_pieces_;
  std::uint64_t next_connection_id_ = 1;
  bool stopping_ = false;
  SysTopics sys_;
  core::TimePoint next_sys_;
  std::uint64_t ticks_ = 0;
};

}  // namespace roost::net
