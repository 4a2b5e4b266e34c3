#include "net/worker.hpp"

#include "net/connection.hpp"
#include "net/server.hpp"
#include "transport/tls.hpp"

namespace roost::net {

namespace {
constexpr std::size_t kReadBufferSize = std::size_t{64} * 1024;
}  // namespace

Worker::Worker(Server& server, std::size_t index, ServerSettings settings)
    : server_(server), index_(index), settings_(std::move(settings)), tick_timer_(io_), read_buffer_(kReadBufferSize) {}

Worker::~Worker() = default;

void Worker::add(const std::shared_ptr<Connection>& connection) {
  connections_.emplace(connection->id(), connection);
  if (stopping_) {
    // Accepted just before the server stopped: the engine never saw it.
    connection->close_from_engine(protocol::ReasonCode::kServerShuttingDown);
    return;
  }
  connection->start();
}

void Worker::forget(core::ConnectionId id) {
  connections_.erase(id);
  if (runs_engine()) {
    server_.gone(id, false);  // the engine was told already
  } else {
    // Behind this connection's other calls, so the engine sees them first.
    to_engine(EngineCall{EngineCall::Kind::kForget, id, server_.now()});
  }
  if (stopping_ && connections_.empty()) tick_timer_.cancel();
}

Connection* Worker::find(core::ConnectionId id) noexcept {
  const auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

std::shared_ptr<Connection> Worker::find_shared(core::ConnectionId id) {
  const auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void Worker::check_timeouts(core::TimePoint now) {
  // Copy: a timeout removes the connection from the map.
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) c->check_timeouts(now);
}

void Worker::revalidate(const ServerSettings& settings) {
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) c->revalidate(server_.authenticator(), settings.listeners);
}

void Worker::run_commands(std::vector<Command>& commands) {
  for (Command& command : commands) {
    const std::shared_ptr<Connection> c = find_shared(command.connection);
    if (!c) continue;  // closed meanwhile
    switch (command.kind) {
      case Command::Kind::kSend:
        c->send_frame(command.frame, command.connack_accepted, command.server_keep_alive);
        break;
      case Command::Kind::kDeliver: {
        const engine::Delivery d{command.message,       command.qos,    command.packet_id,
                                 command.dup,           command.retain, command.subscription_identifiers,
                                 command.message_expiry};
        c->take_posted(command.estimate);
        if (!c->deliver(d)) ++counters.publish_dropped;
        break;
      }
      case Command::Kind::kClose:
        c->close_from_engine(command.reason);
        break;
      case Command::Kind::kPause:
        c->pause();
        break;
      case Command::Kind::kResume:
        c->resume();
        break;
    }
  }
}

void Worker::to_engine(EngineCall call) {
  calls_.push_back(std::move(call));
  if (calls_.size() > 1) return;
  // After the handlers already due here (other connections' reads): one post per turn.
  asio::post(io_, [this] { flush_calls(); });
}

void Worker::flush_calls() {
  if (calls_.empty()) return;
  engine_backlog_.fetch_add(calls_.size(), std::memory_order_relaxed);
  std::vector<EngineCall> batch;
  batch.swap(calls_);
  calls_.reserve(batch.size());
  server_.run_calls(*this, std::move(batch));
}

void Worker::engine_done(std::size_t count) {
  const std::size_t left = engine_backlog_.fetch_sub(count) - count;
  // seq_cst, paired with defer(): one of the two sees the other.
  if (left <= kEngineBacklogLow && stalled_.exchange(false)) asio::post(io_, [this] { resume_deferred(); });
}

void Worker::defer(std::shared_ptr<Connection> connection) {
  deferred_.push_back(std::move(connection));
  stalled_.store(true);
  // The engine may have caught up before it could see the flag.
  if (engine_backlog_.load() <= kEngineBacklogLow && stalled_.exchange(false)) {
    asio::post(io_, [this] { resume_deferred(); });
  }
}

void Worker::resume_deferred() {
  std::vector<std::shared_ptr<Connection>> ready;
  ready.swap(deferred_);
  for (auto& c : ready) c->resume_reading();
}

void Worker::run() {
  io_.run();
  transport::release_thread_tls();
}

void Worker::start() {
  work_.emplace(io_.get_executor());
  tick();
}

void Worker::stop() {
  stopping_ = true;
  work_.reset();
  if (connections_.empty()) tick_timer_.cancel();
}

void Worker::tick() {
  check_timeouts(server_.now());
  if (stopping_ && connections_.empty()) return;
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) tick();
  });
}

}  // namespace roost::net
