#pragma once
// Worker: one I/O thread's share of the server. Each worker runs its own
// io_context (concurrency hint 1) and owns the connections assigned to it:
// socket I/O, decoding and encoding happen there. Worker 0 also runs the
// engine, so with one thread nothing is posted and nothing is locked.
//
// Between the engine (worker 0) and the other workers only immutable values
// travel, by posting: decoded packets to the engine, and per worker one batch
// of commands (encoded control packets, deliveries, closes) per engine turn.

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "engine/engine.hpp"
#include "engine/message.hpp"
#include "net/server_settings.hpp"
#include "protocol/frame.hpp"
#include "protocol/packet.hpp"
#include "protocol/reason_code.hpp"

namespace roost::net {

class Connection;
class Server;

// A total one thread writes and others read ($SYS): relaxed, no read-modify-write.
class Counter {
 public:
  void add(std::uint64_t n) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  Counter& operator++() noexcept {
    add(1);
    return *this;
  }
  Counter& operator+=(std::uint64_t n) noexcept {
    add(n);
    return *this;
  }
  std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

struct WorkerCounters {
  Counter bytes_received;
  Counter bytes_sent;
  Counter packets_received;
  Counter packets_sent;
  Counter packets_too_large;  // max_packet_size exceeded
  Counter publish_dropped;    // QoS 0 that found the output full on arrival (other workers)
};

// What the engine knows of a connection on another worker's thread: how much
// output it has, to drop QoS 0 for a slow client without asking its thread.
struct Link {
  std::atomic<std::size_t> output{0};   // the worker stores its output size after each change
  std::atomic<std::size_t> posted{0};   // deliveries posted and not yet taken by the worker
  std::atomic<bool> wants_room{false};  // the engine refused a QoS 0: tell it when there is room
};

// One thing the engine asks of a connection on another worker.
struct Command {
  enum class Kind : std::uint8_t { kSend, kDeliver, kClose, kPause, kResume };
  Kind kind = Kind::kSend;
  core::ConnectionId connection{};
  // kSend: an encoded control packet; a successful CONNACK changes the connection's state.
  protocol::Frame frame;
  bool connack_accepted = false;
  std::optional<std::uint16_t> server_keep_alive;
  // kDeliver
  engine::MessageRef message;
  protocol::QoS qos = protocol::QoS::k0;
  std::uint16_t packet_id = 0;
  bool dup = false;
  bool retain = false;
  std::vector<std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> message_expiry;
  std::size_t estimate = 0;  // what was added to Link::posted
  // kClose
  std::optional<protocol::ReasonCode> reason;
};

// One thing a connection on another worker hands to the engine.
struct EngineCall {
  enum class Kind : std::uint8_t { kPacket, kConnect, kPublish, kLost, kWritable, kForget };
  EngineCall(Kind k, core::ConnectionId id, core::TimePoint t) noexcept : kind(k), connection(id), now(t) {}
  Kind kind;
  core::ConnectionId connection{};
  core::TimePoint now;
  protocol::Packet packet;          // kPacket, kConnect, kPublish: owns its bytes
  std::string_view topic;           // kPublish: the topic (or what its alias stands for)
  core::SharedBytes topic_storage;  // kPublish: keeps an alias's topic alive
  engine::ClientInfo client;        // kConnect
};

class Worker {
 public:
  Worker(Server& server, std::size_t index, ServerSettings settings);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& io() noexcept { return io_; }
  std::size_t index() const noexcept { return index_; }
  bool runs_engine() const noexcept { return index_ == 0; }
  Server& server() noexcept { return server_; }

  // --- on this worker's thread ---
  const ServerSettings& settings() const noexcept { return settings_; }
  void set_settings(ServerSettings settings) { settings_ = std::move(settings); }
  // Scratch shared by this thread's connections (used synchronously only).
  std::vector<std::uint8_t>& read_buffer() noexcept { return read_buffer_; }
  // Plaintext out of TLS or WebSocket, for the decoder.
  std::vector<std::uint8_t>& plain_buffer() noexcept { return plain_buffer_; }
  protocol::Packet& scratch_packet() noexcept { return scratch_packet_; }
  std::vector<core::ByteView>& scratch_pieces() noexcept { return scratch_pieces_; }
  WorkerCounters counters;

  // Takes a new connection and starts it.
  void add(const std::shared_ptr<Connection>& connection);
  // A connection has closed.
  void forget(core::ConnectionId id);
  Connection* find(core::ConnectionId id) noexcept;
  std::shared_ptr<Connection> find_shared(core::ConnectionId id);
  std::size_t connection_count() const noexcept { return connections_.size(); }
  // Keep alive and connect timeouts of this worker's connections.
  void check_timeouts(core::TimePoint now);
  // After a reload: ends connections whose login no longer stands.
  void revalidate(const ServerSettings& settings);
  // Runs the engine's commands for this worker's connections, in order.
  void run_commands(std::vector<Command>& commands);

  // --- workers other than 0 ---
  // Backpressure towards the engine: packets this worker posted to the
  // engine's thread and it has not run yet. Past kEngineBacklogHigh the
  // worker's connections stop reading (defer()) until the engine is down to
  // kEngineBacklogLow, so a fast publisher cannot queue without bound.
  static constexpr std::size_t kEngineBacklogHigh = 1024;
  static constexpr std::size_t kEngineBacklogLow = 256;
  // Once some connections wait, the others wait too, so none is starved.
  bool engine_busy() const noexcept {
    return !deferred_.empty() || engine_backlog_.load(std::memory_order_relaxed) >= kEngineBacklogHigh;
  }
  // Queues a call for the engine; this turn's calls go in one post.
  void to_engine(EngineCall call);
  // On the engine's thread, after `count` of this worker's calls ran.
  void engine_done(std::size_t count);
  // A connection that waits for the engine to catch up before it reads again.
  void defer(std::shared_ptr<Connection> connection);

  // Starts the timeout ticks; keeps run() going until stop().
  void start();
  // Lets run() return once this worker's connections are gone.
  void stop();
  // Runs this worker's io_context until stop(); then frees the thread's TLS caches.
  void run();

 private:
  void tick();
  void resume_deferred();
  void flush_calls();

  Server& server_;
  std::size_t index_;
  ServerSettings settings_;
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  asio::steady_timer tick_timer_;
  bool stopping_ = false;
  std::unordered_map<core::ConnectionId, std::shared_ptr<Connection>> connections_;
  std::vector<std::uint8_t> read_buffer_;
  std::vector<std::uint8_t> plain_buffer_;
  protocol::Packet scratch_packet_;
  std::vector<core::ByteView> scratch_pieces_;
  std::vector<EngineCall> calls_;  // for the engine, until flush_calls()
  std::atomic<std::size_t> engine_backlog_{0};
  std::atomic<bool> stalled_{false};  // connections wait in deferred_ for the engine
  std::vector<std::shared_ptr<Connection>> deferred_;
};

}  // namespace roost::net
