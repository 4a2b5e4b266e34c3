#pragma once
// SqliteStore: the engine's durable state in one sqlite database (WAL).
// The engine submits events on its thread; a writer thread applies them in
// batched transactions with prepared statements. Rows that come and go
// within one batch (a QoS 1 message acknowledged before the commit) never
// reach the disk. A payload shared by many queues is stored once.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "engine/persistence.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace roost::store {

// The schema this build writes; older ones are migrated on open.
inline constexpr int kSchemaVersion = 2;

enum class Durability : std::uint8_t {
  kPeriodic,  // commit every flush_interval
  kStrict,    // commit as soon as there is something, fsync each commit; report commits
};

struct StoreSettings {
  std::string path;
  Durability durability = Durability::kPeriodic;
  std::chrono::milliseconds flush_interval{1000};
  // The largest the database may grow, in pages (0: no limit); beyond it a
  // commit fails as on a full disk.
  std::uint32_t max_page_count = 0;
};

// A database Roost must not touch (written by a newer schema).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoreStats {
  std::uint64_t commits = 0;
  std::uint64_t failures = 0;  // transactions rolled back (full disk, I/O error), retried later
};

class SqliteStore final : public engine::Persistence {
 public:
  // Opens or creates the database. A corrupt or unreadable one is moved
  // aside (PATH.corrupt-<time>) and a new one started, with an error
  // logged. Throws StoreError for a database of a newer schema (left as it
  // is), and when no database can be created at all.
  SqliteStore(StoreSettings settings, core::Logger log);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // What the database holds, for Engine::restore(); expired sessions and
  // retained messages are dropped (from the database too). Call once,
  // before start().
  engine::RestoredState load(core::TimePoint now);

  // Starts the writer thread.
  void start();
  // Commits everything submitted so far and stops the writer thread.
  void close();

  std::uint64_t submit(std::vector<engine::PersistEvent>& events) override;

  // Called on the writer thread after each commit with the last ticket it
  // covers (strict durability hands it to Engine::committed()).
  using CommitListener = std::function<void(std::uint64_t ticket)>;
  void on_commit(CommitListener listener) { on_commit_ = std::move(listener); }

  // Commits what is pending now, on the caller's thread (tests; the writer
  // thread must not be running).
  bool flush_now();

  StoreStats stats() const;
  // Changes the page limit of an open database (0: none); the writer thread
  // must not be running.
  void set_max_page_count(std::uint32_t pages);
  const std::string& path() const noexcept { return settings_.path; }

  // A consistent copy of the database at `from` (live or not) written to
  // `to` (through a temporary file, then renamed). Returns an error
  // message, or "" on success.
  static std::string backup(const std::string& from, const std::string& to);

 private:
  class Statement;
  struct StoredMessage {
    engine::MessageRef ref;
    std::int64_t row = 0;
    std::uint32_t refs = 0;
  };

  void open_or_recover();
  // kUnusable: corrupt or unreadable (moved aside); kFailed: anything else
  // (a full disk, a locked or read-only file: left alone, start refused).
  enum class Opened : std::uint8_t { kOk, kUnusable, kFailed };
  Opened try_open(std::string& why);
  int check_version();  // the file's schema version, read without writing (-1: unreadable)
  void move_aside();
  void migrate(int from);
  void prepare();
  void exec(const char* sql);

  void writer();
  bool apply(std::vector<engine::PersistEvent>& batch, std::uint64_t ticket);
  void apply_coalesced(std::vector<engine::PersistEvent>& batch);

  // Message rows, counted by the rows that point at them.
  std::int64_t ref(const engine::MessageRef& message);
  void unref(const engine::Message* message);
  void set_entry_message(std::uint64_t session, std::uint64_t seq, const engine::MessageRef& message);
  void drop_session_refs(std::uint64_t session);

  StoreSettings settings_;
  core::Logger log_;
  sqlite3* db_ = nullptr;
  int last_rc_ = 0;  // the primary result code of the last failure
  std::vector<std::unique_ptr<Statement>> statements_;
  Statement* insert_message_ = nullptr;
  Statement* delete_message_ = nullptr;
  Statement* put_session_ = nullptr;
  Statement* delete_session_[5] = {};
  Statement* put_subscription_ = nullptr;
  Statement* delete_subscription_ = nullptr;
  Statement* put_entry_ = nullptr;
  Statement* delete_entry_ = nullptr;
  Statement* put_incoming_ = nullptr;
  Statement* delete_incoming_ = nullptr;
  Statement* put_will_ = nullptr;
  Statement* delete_will_ = nullptr;
  Statement* put_retained_ = nullptr;
  Statement* delete_retained_ = nullptr;

  // The writer thread's view of the database (guarded by running on that
  // thread only); changes are undone when a transaction rolls back.
  std::unordered_map<const engine::Message*, StoredMessage> messages_;
  std::unordered_map<std::uint64_t, std::unordered_map<std::uint64_t, const engine::Message*>> entry_messages_;
  std::unordered_map<std::uint64_t, const engine::Message*> will_messages_;
  std::unordered_map<std::string, const engine::Message*> retained_messages_;
  std::vector<std::int64_t> orphan_rows_;  // message rows found unreferenced by load()
  bool tidy_ = false;                      // rows of sessions that are gone: removed with the first commit
  std::vector<std::function<void()>> undo_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<engine::PersistEvent> pending_;
  std::uint64_t submitted_ = 0;  // the last ticket handed out
  CommitListener on_commit_;
  bool stopping_ = false;
  StoreStats stats_;
  bool failing_ = false;  // logged once per run of failures
  std::thread thread_;
};

}  // namespace roost::store
