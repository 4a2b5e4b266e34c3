// roost_store_bench: how long a start-up takes to restore a large database:
// 100 000 retained messages plus 1 000 sessions (one subscription each)
// holding 10 000 queued QoS 1 messages, 64-byte payloads. The database is
// written through the store's own events, then opened, loaded and handed
// to a fresh engine, three times.
//
//   roost_store_bench [--dir DIR] [--retained 100000] [--sessions 1000] [--queued 10]
//
// Prints one JSON object per round and a Markdown row with the best round.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace roost;
using Clock = std::chrono::steady_clock;

// The engine needs somewhere to send; nothing is connected while restoring.
class NullOutbox : public engine::Outbox {
 public:
  void send(core::ConnectionId, const protocol::PacketBody&) override {}
  bool deliver(core::ConnectionId, const engine::Delivery&) override { return true; }
  void close(core::ConnectionId, std::optional<protocol::ReasonCode>) override {}
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/var/tmp";
  int retained = 100000;
  int sessions = 1000;
  int queued = 10;  // per session
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--dir") {
      dir = v;
    } else if (k == "--retained") {
      retained = std::stoi(v);
    } else if (k == "--sessions") {
      sessions = std::stoi(v);
    } else if (k == "--queued") {
      queued = std::stoi(v);
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const std::string path = dir + "/roost-store-bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  store::StoreSettings settings;
  settings.path = path;
  const core::TimePoint now = core::Clock::now();
  const std::string payload(64, 'p');
  {
    store::SqliteStore writer(settings, core::Logger());
    std::vector<engine::PersistEvent> events;
    for (int i = 0; i < retained; ++i) {
      engine::PersistEvent& e = events.emplace_back();
      e.kind = engine::PersistEvent::Kind::kRetainedPut;
      e.entry.message = engine::Message::make("home/" + std::to_string(i / 100) + "/sensor/" + std::to_string(i),
                                              core::as_bytes(payload), protocol::QoS::k1, true, now);
    }
    for (int s = 0; s < sessions; ++s) {
      const auto id = static_cast<engine::SessionId>(s + 1);
      engine::PersistEvent& session = events.emplace_back();
      session.kind = engine::PersistEvent::Kind::kSessionPut;
      session.session = id;
      session.text = "client-" + std::to_string(s);
      session.number = 3600;
      session.time = now;
      engine::PersistEvent& sub = events.emplace_back();
      sub.kind = engine::PersistEvent::Kind::kSubscriptionPut;
      sub.session = id;
      sub.text = "client/" + std::to_string(s) + "/#";
      sub.options.max_qos = protocol::QoS::k1;
      for (int q = 0; q < queued; ++q) {
        engine::PersistEvent& e = events.emplace_back();
        e.kind = engine::PersistEvent::Kind::kEntryPut;
        e.session = id;
        e.flag = true;
        e.entry.seq = static_cast<std::uint64_t>(q) + 1;
        e.entry.qos = protocol::QoS::k1;
        e.entry.message = engine::Message::make("client/" + std::to_string(s) + "/cmd", core::as_bytes(payload),
                                                protocol::QoS::k1, false, now);
      }
    }
    writer.submit(events);
    if (!writer.flush_now()) {
      std::fprintf(stderr, "roost_store_bench: could not write the database\n");
      return 1;
    }
  }
  double best = 1e9;
  for (int round = 0; round < 3; ++round) {
    const auto start = Clock::now();
    store::SqliteStore store(settings, core::Logger());
    const double opened = seconds_since(start);
    engine::RestoredState state = store.load(core::Clock::now());
    const double loaded = seconds_since(start);
    NullOutbox outbox;
    engine::Engine engine(engine::EngineSettings{}, outbox, core::Logger());
    engine.restore(std::move(state), core::Clock::now());
    const double total = seconds_since(start);
    best = std::min(best, total);
    std::printf(
        "{\"round\":%d,\"retained\":%zu,\"sessions\":%zu,\"queued\":%zu,\"open_s\":%.3f,\"load_s\":%.3f,"
        "\"total_s\":%.3f}\n",
        round, engine.retained().size(), engine.session_count(), engine.stored_messages() - engine.retained().size(),
        opened, loaded - opened, total);
  }
  std::printf("\n| restore %d retained + %d sessions holding %d queued messages (best of 3) | %.3f s |\n", retained,
              sessions, sessions * queued, best);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return 0;
}
