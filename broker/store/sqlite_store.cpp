#include "store/sqlite_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <sqlite3.h>
#include <tuple>

namespace roost::store {

using engine::Message;
using engine::MessageRef;
using engine::Outgoing;
using engine::PersistEvent;
using engine::SessionId;
using Kind = PersistEvent::Kind;

namespace {

std::uint64_t key(SessionId id) { return static_cast<std::uint64_t>(id); }

// Wall-clock milliseconds for a steady time point, and back: the database
// outlives the process, the steady clock does not.
std::int64_t wall_ms(core::TimePoint t) {
  const auto offset = std::chrono::duration_cast<std::chrono::milliseconds>(t - core::Clock::now());
  const auto wall =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return (wall + offset).count();
}

core::TimePoint steady_of(std::int64_t ms, core::TimePoint now) {
  const auto wall =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return now + std::chrono::milliseconds(ms - wall.count());
}

std::string encode_identifiers(const std::vector<std::uint32_t>& ids) {
  std::string out;
  for (const std::uint32_t id : ids) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((id >> (8 * i)) & 0xFF));
  }
  return out;
}

std::vector<std::uint32_t> decode_identifiers(const void* data, int size) {
  std::vector<std::uint32_t> out;
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (int i = 0; i + 4 <= size; i += 4) {
    out.push_back(static_cast<std::uint32_t>(p[i]) | static_cast<std::uint32_t>(p[i + 1]) << 8 |
                  static_cast<std::uint32_t>(p[i + 2]) << 16 | static_cast<std::uint32_t>(p[i + 3]) << 24);
  }
  return out;
}

std::uint8_t option_flags(const engine::SubscriptionOptions& o) {
  return static_cast<std::uint8_t>((o.no_local ? 1 : 0) | (o.retain_as_published ? 2 : 0) |
                                   (static_cast<int>(o.retain_handling) << 2));
}

// Schema steps: kMigrations[v] takes a database from version v to v + 1.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE messages(id INTEGER PRIMARY KEY, topic BLOB NOT NULL, payload BLOB NOT NULL,"
    " properties BLOB, qos INTEGER NOT NULL, retain INTEGER NOT NULL, expires_at INTEGER);"
    "CREATE TABLE retained(topic BLOB PRIMARY KEY, message INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE sessions(id INTEGER PRIMARY KEY, client_id BLOB NOT NULL, expiry INTEGER NOT NULL,"
    " offline_since INTEGER);"
    "CREATE TABLE subscriptions(session INTEGER NOT NULL, filter BLOB NOT NULL, qos INTEGER NOT NULL,"
    " flags INTEGER NOT NULL, identifier INTEGER NOT NULL, PRIMARY KEY(session, filter)) WITHOUT ROWID;"
    "CREATE TABLE entries(session INTEGER NOT NULL, seq INTEGER NOT NULL, message INTEGER,"
    " qos INTEGER NOT NULL, retain INTEGER NOT NULL, packet_id INTEGER NOT NULL, state INTEGER NOT NULL,"
    " identifiers BLOB, PRIMARY KEY(session, seq)) WITHOUT ROWID;"
    "CREATE TABLE incoming(session INTEGER NOT NULL, packet_id INTEGER NOT NULL,"
    " PRIMARY KEY(session, packet_id)) WITHOUT ROWID;"
    "CREATE TABLE wills(session INTEGER PRIMARY KEY, message INTEGER NOT NULL, due_at INTEGER NOT NULL);",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

std::string time_suffix() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

// A prepared statement: bind, step, reset.
class SqliteStore::Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("cannot prepare a statement: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bind(int i, core::ByteView v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // Runs it to completion; throws on failure (the transaction rolls back).
  void run() {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

SqliteStore::SqliteStore(StoreSettings settings, core::Logger log) : settings_(std::move(settings)), log_(log) {
  open_or_recover();
}

SqliteStore::~SqliteStore() {
  close();
  statements_.clear();
  if (db_ != nullptr) sqlite3_close(db_);
}

void SqliteStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw std::runtime_error(message);
  }
}

void SqliteStore::open_or_recover() {
  std::string why;
  const bool existed = std::filesystem::exists(settings_.path);
  if (try_open(why)) return;
  if (!existed) {
    // Nothing to recover: the path itself is wrong (a missing directory, no permission).
    statements_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
    std::error_code ec;
    std::filesystem::remove(settings_.path, ec);
    throw StoreError(core::str_cat("cannot create the database ", settings_.path, ": ", why));
  }
  log_.log(core::LogType::kError, core::str_cat("Persistence: ", settings_.path, " cannot be used (", why,
                                                "); moving it aside and starting with an empty database"));
  move_aside();
  if (!try_open(why)) {
    statements_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(core::str_cat("cannot create the database ", settings_.path, ": ", why));
  }
}

bool SqliteStore::try_open(std::string& why) {
  statements_.clear();
  if (db_ != nullptr) {
    sqlite3_close(db_);
    db_ = nullptr;
  }
  if (sqlite3_open_v2(settings_.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    return false;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  // The version first, before anything writes: a newer database stays as it is.
  int version = 0;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
      why = sqlite3_errmsg(db_);
      sqlite3_finalize(s);
      return false;
    }
    version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
  }
  if (version > kSchemaVersion) {
    sqlite3_close(db_);  // no destructor runs for a constructor that throws
    db_ = nullptr;
    throw StoreError(core::str_cat("the database ", settings_.path, " was written by a newer Roost (schema ", version,
                                   "; this one knows up to ", kSchemaVersion,
                                   "). It is left as it is: run the newer Roost, or move the file away to start "
                                   "empty"));
  }
  try {
    {
      sqlite3_stmt* s = nullptr;
      std::string result = "no answer";
      if (sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW) {
        result = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      } else {
        result = sqlite3_errmsg(db_);
      }
      sqlite3_finalize(s);
      if (result != "ok") throw std::runtime_error("integrity check: " + result);
    }
    exec("PRAGMA journal_mode=WAL");
    // WAL with NORMAL: a power cut loses at most the last commits, never the
    // database. Strict: each commit is on the disk before it is reported.
    exec(settings_.durability == Durability::kStrict ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    migrate(version);
    prepare();
    if (settings_.max_page_count != 0) set_max_page_count(settings_.max_page_count);
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
  return true;
}

void SqliteStore::move_aside() {
  statements_.clear();
  if (db_ != nullptr) {
    sqlite3_close(db_);
    db_ = nullptr;
  }
  const std::string target = core::str_cat(settings_.path, ".corrupt-", time_suffix());
  std::error_code ec;
  std::filesystem::rename(settings_.path, target, ec);
  if (ec && std::filesystem::exists(settings_.path)) {
    log_.log(core::LogType::kError,
             core::str_cat("Persistence: cannot move ", settings_.path, " aside: ", ec.message()));
    return;
  }
  std::filesystem::rename(settings_.path + "-wal", target + "-wal", ec);
  std::filesystem::remove(settings_.path + "-shm", ec);
  log_.log(core::LogType::kError, core::str_cat("Persistence: the unusable database is kept as ", target));
}

void SqliteStore::migrate(int from) {
  if (from == kSchemaVersion) return;
  exec("BEGIN IMMEDIATE");
  try {
    for (int v = from; v < kSchemaVersion; ++v) exec(kMigrations[v]);
    exec(core::str_cat("PRAGMA user_version = ", kSchemaVersion).c_str());
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (from != 0) {
    log_.log(core::LogType::kNotice,
             core::str_cat("Persistence: migrated ", settings_.path, " from schema ", from, " to ", kSchemaVersion));
  }
}

void SqliteStore::prepare() {
  auto make = [this](const char* sql) {
    statements_.push_back(std::make_unique<Statement>(db_, sql));
    return statements_.back().get();
  };
  insert_message_ =
      make("INSERT INTO messages(topic, payload, properties, qos, retain, expires_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  delete_message_ = make("DELETE FROM messages WHERE id = ?1");
  put_session_ = make("INSERT OR REPLACE INTO sessions(id, client_id, expiry, offline_since) VALUES(?1, ?2, ?3, ?4)");
  delete_session_[0] = make("DELETE FROM subscriptions WHERE session = ?1");
  delete_session_[1] = make("DELETE FROM entries WHERE session = ?1");
  delete_session_[2] = make("DELETE FROM incoming WHERE session = ?1");
  delete_session_[3] = make("DELETE FROM wills WHERE session = ?1");
  delete_session_[4] = make("DELETE FROM sessions WHERE id = ?1");
  put_subscription_ =
      make("INSERT OR REPLACE INTO subscriptions(session, filter, qos, flags, identifier) VALUES(?1, ?2, ?3, ?4, ?5)");
  delete_subscription_ = make("DELETE FROM subscriptions WHERE session = ?1 AND filter = ?2");
  put_entry_ = make(
      "INSERT OR REPLACE INTO entries(session, seq, message, qos, retain, packet_id, state, identifiers)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  delete_entry_ = make("DELETE FROM entries WHERE session = ?1 AND seq = ?2");
  put_incoming_ = make("INSERT OR REPLACE INTO incoming(session, packet_id) VALUES(?1, ?2)");
  delete_incoming_ = make("DELETE FROM incoming WHERE session = ?1 AND packet_id = ?2");
  put_will_ = make("INSERT OR REPLACE INTO wills(session, message, due_at) VALUES(?1, ?2, ?3)");
  delete_will_ = make("DELETE FROM wills WHERE session = ?1");
  put_retained_ = make("INSERT OR REPLACE INTO retained(topic, message) VALUES(?1, ?2)");
  delete_retained_ = make("DELETE FROM retained WHERE topic = ?1");
}

// --- loading ---

engine::RestoredState SqliteStore::load(core::TimePoint now) {
  engine::RestoredState state;
  const std::int64_t now_ms = wall_ms(now);
  auto query = [this](const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
  };
  auto blob = [](sqlite3_stmt* s, int i) {
    const void* p = sqlite3_column_blob(s, i);
    const int n = sqlite3_column_bytes(s, i);
    return std::string_view(p == nullptr ? "" : static_cast<const char*>(p), static_cast<std::size_t>(n));
  };
  try {
    // Drop what expired while Roost was down; a session that was online
    // when Roost stopped is offline from now.
    exec("BEGIN IMMEDIATE");
    {
      const std::string now_text = std::to_string(now_ms);
      const std::string expired = core::str_cat(
          "SELECT id FROM sessions WHERE expiry != 4294967295 AND offline_since IS NOT NULL AND offline_since + "
          "expiry * 1000 <= ",
          now_text);
      for (const char* table : {"subscriptions", "entries", "incoming", "wills"}) {
        exec(core::str_cat("DELETE FROM ", table, " WHERE session IN (", expired, ")").c_str());
      }
      exec(core::str_cat("DELETE FROM sessions WHERE id IN (", expired, ")").c_str());
      exec(core::str_cat("UPDATE sessions SET offline_since = ", now_text, " WHERE offline_since IS NULL").c_str());
      exec(core::str_cat("DELETE FROM retained WHERE message IN (SELECT id FROM messages WHERE expires_at IS NOT "
                         "NULL AND expires_at <= ",
                         now_text, ")")
               .c_str());
      exec(
          "DELETE FROM messages WHERE id NOT IN (SELECT message FROM entries WHERE message IS NOT NULL"
          " UNION SELECT message FROM wills UNION SELECT message FROM retained)");
    }
    exec("COMMIT");

    std::unordered_map<std::int64_t, MessageRef> by_row;
    query("SELECT id, topic, payload, properties, qos, retain, expires_at FROM messages", [&](sqlite3_stmt* s) {
      std::optional<core::TimePoint> expires;
      if (sqlite3_column_type(s, 6) != SQLITE_NULL) expires = steady_of(sqlite3_column_int64(s, 6), now);
      const std::string_view payload = blob(s, 2);
      const std::string_view props = blob(s, 3);
      MessageRef m = Message::restore(
          blob(s, 1), core::ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
          core::ByteView(reinterpret_cast<const std::uint8_t*>(props.data()), props.size()),
          static_cast<protocol::QoS>(std::clamp(sqlite3_column_int(s, 4), 0, 2)), sqlite3_column_int(s, 5) != 0,
          expires);
      const std::int64_t row = sqlite3_column_int64(s, 0);
      messages_[m.get()] = StoredMessage{m, row, 0};
      by_row.emplace(row, std::move(m));
    });
    auto message_of = [&](sqlite3_stmt* s, int i) -> MessageRef {
      if (sqlite3_column_type(s, i) == SQLITE_NULL) return nullptr;
      const auto it = by_row.find(sqlite3_column_int64(s, i));
      if (it == by_row.end()) return nullptr;
      ++messages_[it->second.get()].refs;
      return it->second;
    };
    query("SELECT topic, message FROM retained", [&](sqlite3_stmt* s) {
      MessageRef m = message_of(s, 1);
      if (!m) return;
      retained_messages_[std::string(blob(s, 0))] = m.get();
      state.retained.push_back(std::move(m));
    });
    std::unordered_map<std::uint64_t, std::size_t> index;  // session id -> position in state.sessions
    query("SELECT id, client_id, expiry, offline_since FROM sessions ORDER BY id", [&](sqlite3_stmt* s) {
      engine::RestoredSession r;
      r.id = static_cast<SessionId>(sqlite3_column_int64(s, 0));
      r.client_id = std::string(blob(s, 1));
      r.expiry_interval = static_cast<std::uint32_t>(sqlite3_column_int64(s, 2));
      r.offline_since = steady_of(sqlite3_column_int64(s, 3), now);
      index[key(r.id)] = state.sessions.size();
      state.sessions.push_back(std::move(r));
    });
    auto session_of = [&](sqlite3_stmt* s) -> engine::RestoredSession* {
      const auto it = index.find(static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)));
      return it == index.end() ? nullptr : &state.sessions[it->second];
    };
    query("SELECT session, filter, qos, flags, identifier FROM subscriptions", [&](sqlite3_stmt* s) {
      engine::RestoredSession* r = session_of(s);
      if (r == nullptr) return;
      engine::SubscriptionOptions o;
      o.max_qos = static_cast<protocol::QoS>(std::clamp(sqlite3_column_int(s, 2), 0, 2));
      const int flags = sqlite3_column_int(s, 3);
      o.no_local = (flags & 1) != 0;
      o.retain_as_published = (flags & 2) != 0;
      o.retain_handling = static_cast<protocol::RetainHandling>(std::clamp((flags >> 2) & 3, 0, 2));
      o.identifier = static_cast<std::uint32_t>(sqlite3_column_int64(s, 4));
      r->subscriptions.emplace_back(std::string(blob(s, 1)), o);
    });
    query("SELECT session, seq, message, qos, retain, packet_id, state, identifiers FROM entries ORDER BY session, seq",
          [&](sqlite3_stmt* s) {
            engine::RestoredSession* r = session_of(s);
            if (r == nullptr) return;
            Outgoing o;
            o.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
            o.qos = static_cast<protocol::QoS>(std::clamp(sqlite3_column_int(s, 3), 0, 2));
            o.retain = sqlite3_column_int(s, 4) != 0;
            o.packet_id = static_cast<std::uint16_t>(sqlite3_column_int(s, 5));
            o.state = static_cast<Outgoing::State>(std::clamp(sqlite3_column_int(s, 6), 0, 3));
            o.subscription_identifiers = decode_identifiers(sqlite3_column_blob(s, 7), sqlite3_column_bytes(s, 7));
            o.message = message_of(s, 2);
            // Only an exchange past PUBREC goes on without its message.
            if (!o.message && o.state != Outgoing::State::kAwaitingPubcomp) return;
            if (o.message) entry_messages_[key(r->id)][o.seq] = o.message.get();
            r->entries.push_back(std::move(o));
          });
    query("SELECT session, packet_id FROM incoming", [&](sqlite3_stmt* s) {
      if (engine::RestoredSession* r = session_of(s)) {
        r->incoming_qos2.push_back(static_cast<std::uint16_t>(sqlite3_column_int(s, 1)));
      }
    });
    query("SELECT session, message, due_at FROM wills", [&](sqlite3_stmt* s) {
      engine::RestoredSession* r = session_of(s);
      if (r == nullptr) return;
      r->will = message_of(s, 1);
      if (!r->will) return;
      r->will_due = steady_of(sqlite3_column_int64(s, 2), now);
      will_messages_[key(r->id)] = r->will.get();
    });
  } catch (const std::exception& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    // A database that passed the check but cannot be read: start empty.
    log_.log(core::LogType::kError, core::str_cat("Persistence: cannot read ", settings_.path, " (", e.what(),
                                                  "); moving it aside and starting with an empty database"));
    messages_.clear();
    entry_messages_.clear();
    will_messages_.clear();
    retained_messages_.clear();
    move_aside();
    std::string why;
    if (!try_open(why)) throw StoreError(core::str_cat("cannot create the database ", settings_.path, ": ", why));
    return {};
  }
  // Messages nobody points at any more were deleted above; those left
  // unreferenced by a dropped row (an unknown session) are not counted.
  for (auto it = messages_.begin(); it != messages_.end();) {
    it = it->second.refs == 0 ? messages_.erase(it) : std::next(it);
  }
  std::size_t queued = 0;
  for (const auto& r : state.sessions) queued += r.entries.size();
  log_.log(core::LogType::kNotice,
           core::str_cat("Persistence: restored ", state.retained.size(), " retained messages and ",
                         state.sessions.size(), " sessions holding ", queued, " messages from ", settings_.path));
  return state;
}

// --- writing ---

void SqliteStore::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { writer(); });
}

void SqliteStore::close() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Whatever is left (no writer thread, or its last attempt failed): one more try.
  std::vector<PersistEvent> rest;
  std::uint64_t ticket = 0;
  {
    const std::lock_guard lock(mutex_);
    rest.swap(pending_);
    ticket = submitted_;
  }
  if (!rest.empty() && db_ != nullptr && !apply(rest, ticket)) {
    log_.log(core::LogType::kError,
             core::str_cat("Persistence: ", rest.size(), " changes could not be written before stopping"));
  }
}

std::uint64_t SqliteStore::submit(std::vector<PersistEvent>& events) {
  std::uint64_t ticket = 0;
  bool first = false;
  {
    const std::lock_guard lock(mutex_);
    first = pending_.empty();
    if (first) {
      pending_.swap(events);
    } else {
      pending_.insert(pending_.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
    }
    ticket = ++submitted_;
  }
  events.clear();
  // Strict: the writer commits as soon as there is something (while it
  // commits, more gathers for the next one: group commit).
  if (first && settings_.durability == Durability::kStrict) wake_.notify_one();
  return ticket;
}

bool SqliteStore::flush_now() {
  std::vector<PersistEvent> batch;
  std::uint64_t ticket = 0;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(pending_);
    ticket = submitted_;
  }
  if (batch.empty()) return true;
  if (apply(batch, ticket)) return true;
  const std::lock_guard lock(mutex_);
  pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
  return false;
}

void SqliteStore::set_max_page_count(std::uint32_t pages) {
  // sqlite's own maximum stands for "no limit".
  exec(core::str_cat("PRAGMA max_page_count = ", pages == 0 ? 4294967294U : pages).c_str());
}

StoreStats SqliteStore::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void SqliteStore::writer() {
  const bool strict = settings_.durability == Durability::kStrict;
  bool retry = false;  // the last commit failed: wait a full interval
  std::unique_lock lock(mutex_);
  while (true) {
    if (strict && !retry) {
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    } else {
      wake_.wait_for(lock, settings_.flush_interval, [this] { return stopping_; });
    }
    if (stopping_) return;  // close() commits the rest
    if (pending_.empty()) continue;
    std::vector<PersistEvent> batch;
    batch.swap(pending_);
    const std::uint64_t ticket = submitted_;
    lock.unlock();
    const bool ok = apply(batch, ticket);
    lock.lock();
    retry = !ok;
    if (!ok) {
      // Kept, in order, ahead of what came since: the next attempt retries.
      pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
    }
  }
}

bool SqliteStore::apply(std::vector<PersistEvent>& batch, std::uint64_t ticket) {
  undo_.clear();
  try {
    exec("BEGIN IMMEDIATE");
    apply_coalesced(batch);
    exec("COMMIT");
  } catch (const std::exception& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
    undo_.clear();
    {
      const std::lock_guard lock(mutex_);
      ++stats_.failures;
    }
    if (!failing_) {
      failing_ = true;
      log_.log(core::LogType::kError, core::str_cat("Persistence: cannot write to ", settings_.path, " (", e.what(),
                                                    "); the broker keeps serving from memory and retries every ",
                                                    settings_.flush_interval.count(), " ms"));
    }
    return false;
  }
  undo_.clear();
  if (failing_) {
    failing_ = false;
    log_.log(core::LogType::kNotice, core::str_cat("Persistence: writing to ", settings_.path, " again"));
  }
  {
    const std::lock_guard lock(mutex_);
    ++stats_.commits;
  }
  if (on_commit_) on_commit_(ticket);
  return true;
}

std::int64_t SqliteStore::ref(const MessageRef& message) {
  const auto it = messages_.find(message.get());
  if (it != messages_.end()) {
    ++it->second.refs;
    undo_.emplace_back([this, m = message.get()] { --messages_[m].refs; });
    return it->second.row;
  }
  const Message& m = *message;
  insert_message_->bind(1, m.topic()).bind(2, m.payload()).bind(3, m.properties());
  insert_message_->bind(4, static_cast<std::int64_t>(m.qos())).bind(5, m.retain() ? 1 : 0);
  if (m.expires_at()) {
    insert_message_->bind(6, wall_ms(*m.expires_at()));
  } else {
    insert_message_->bind_null(6);
  }
  insert_message_->run();
  const std::int64_t row = sqlite3_last_insert_rowid(db_);
  messages_.emplace(message.get(), StoredMessage{message, row, 1});
  undo_.emplace_back([this, p = message.get()] { messages_.erase(p); });
  return row;
}

void SqliteStore::unref(const Message* message) {
  if (message == nullptr) return;
  const auto it = messages_.find(message);
  if (it == messages_.end()) return;
  if (--it->second.refs > 0) {
    undo_.emplace_back([this, message] { ++messages_[message].refs; });
    return;
  }
  delete_message_->bind(1, it->second.row).run();
  StoredMessage gone = std::move(it->second);
  messages_.erase(it);
  gone.refs = 1;
  undo_.emplace_back([this, message, gone = std::move(gone)] { messages_.emplace(message, gone); });
}

void SqliteStore::set_entry_message(std::uint64_t session, std::uint64_t seq, const MessageRef& message) {
  auto& rows = entry_messages_[session];
  const auto it = rows.find(seq);
  const Message* old = it == rows.end() ? nullptr : it->second;
  if (old == message.get()) return;
  if (message) {
    rows[seq] = message.get();
  } else {
    rows.erase(seq);
  }
  undo_.emplace_back([this, session, seq, old] {
    auto& r = entry_messages_[session];
    if (old != nullptr) {
      r[seq] = old;
    } else {
      r.erase(seq);
    }
  });
  unref(old);
}

void SqliteStore::drop_session_refs(std::uint64_t session) {
  if (const auto it = entry_messages_.find(session); it != entry_messages_.end()) {
    auto rows = std::move(it->second);
    entry_messages_.erase(it);
    for (const auto& [seq, m] : rows) unref(m);
    undo_.emplace_back([this, session, rows = std::move(rows)] { entry_messages_[session] = rows; });
  }
  if (const auto it = will_messages_.find(session); it != will_messages_.end()) {
    const Message* m = it->second;
    will_messages_.erase(it);
    unref(m);
    undo_.emplace_back([this, session, m] { will_messages_[session] = m; });
  }
}

void SqliteStore::apply_coalesced(std::vector<PersistEvent>& batch) {
  // The last word on each row wins; a row written and deleted within the
  // batch is not written at all.
  struct SessionOp {
    bool deleted = false;
    const PersistEvent* put = nullptr;
  };
  struct RowOp {
    bool fresh = false;                 // not in the database before this batch
    const PersistEvent* put = nullptr;  // null: delete
  };
  std::map<std::uint64_t, SessionOp> sessions;
  std::map<std::pair<std::uint64_t, std::string_view>, const PersistEvent*> subscriptions;  // null: delete
  std::map<std::pair<std::uint64_t, std::uint64_t>, RowOp> entries;
  std::map<std::pair<std::uint64_t, std::uint16_t>, RowOp> incoming;
  std::map<std::uint64_t, const PersistEvent*> wills;        // null: delete
  std::map<std::string_view, const PersistEvent*> retained;  // null: delete

  auto row_put = [](auto& map, const auto& k, const PersistEvent& e, bool fresh) {
    auto [it, inserted] = map.try_emplace(k, RowOp{fresh, &e});
    if (!inserted) it->second.put = &e;
  };
  auto row_delete = [](auto& map, const auto& k) {
    auto [it, inserted] = map.try_emplace(k, RowOp{false, nullptr});
    if (inserted) return;
    if (it->second.fresh) {
      map.erase(it);
    } else {
      it->second.put = nullptr;
    }
  };
  auto erase_session = [](auto& map, std::uint64_t s) {
    for (auto it = map.begin(); it != map.end();) it = it->first.first == s ? map.erase(it) : std::next(it);
  };

  for (const PersistEvent& e : batch) {
    const std::uint64_t s = key(e.session);
    switch (e.kind) {
      case Kind::kSessionPut:
        sessions[s].put = &e;
        break;
      case Kind::kSessionDelete:
        sessions[s] = SessionOp{true, nullptr};
        erase_session(subscriptions, s);
        erase_session(entries, s);
        erase_session(incoming, s);
        wills.erase(s);
        break;
      case Kind::kSubscriptionPut:
        subscriptions[{s, e.text}] = &e;
        break;
      case Kind::kSubscriptionDelete:
        subscriptions[{s, e.text}] = nullptr;
        break;
      case Kind::kEntryPut:
        row_put(entries, std::pair{s, e.entry.seq}, e, e.flag);
        break;
      case Kind::kEntryDelete:
        row_delete(entries, std::pair{s, e.entry.seq});
        break;
      case Kind::kIncomingPut:
        row_put(incoming, std::pair{s, static_cast<std::uint16_t>(e.number)}, e, true);
        break;
      case Kind::kIncomingDelete:
        row_delete(incoming, std::pair{s, static_cast<std::uint16_t>(e.number)});
        break;
      case Kind::kWillPut:
        wills[s] = &e;
        break;
      case Kind::kWillDelete:
        wills[s] = nullptr;
        break;
      case Kind::kRetainedPut:
        retained[e.entry.message->topic()] = &e;
        break;
      case Kind::kRetainedDelete:
        retained[e.text] = nullptr;
        break;
    }
  }

  for (const auto& [s, op] : sessions) {
    if (!op.deleted) continue;
    drop_session_refs(s);
    for (Statement* d : delete_session_) d->bind(1, static_cast<std::int64_t>(s)).run();
  }
  for (const auto& [s, op] : sessions) {
    if (op.put == nullptr) continue;
    const PersistEvent& e = *op.put;
    put_session_->bind(1, static_cast<std::int64_t>(s)).bind(2, std::string_view(e.text));
    put_session_->bind(3, static_cast<std::int64_t>(e.number));
    if (e.flag) {
      put_session_->bind_null(4);  // online: offline from whenever Roost next starts
    } else {
      put_session_->bind(4, wall_ms(e.time));
    }
    put_session_->run();
  }
  for (const auto& [k, e] : subscriptions) {
    if (e == nullptr) {
      delete_subscription_->bind(1, static_cast<std::int64_t>(k.first)).bind(2, k.second).run();
      continue;
    }
    put_subscription_->bind(1, static_cast<std::int64_t>(k.first)).bind(2, k.second);
    put_subscription_->bind(3, static_cast<std::int64_t>(e->options.max_qos));
    put_subscription_->bind(4, static_cast<std::int64_t>(option_flags(e->options)));
    put_subscription_->bind(5, static_cast<std::int64_t>(e->options.identifier)).run();
  }
  for (const auto& [k, op] : entries) {
    const auto& [s, seq] = k;
    if (op.put == nullptr) {
      set_entry_message(s, seq, nullptr);
      delete_entry_->bind(1, static_cast<std::int64_t>(s)).bind(2, static_cast<std::int64_t>(seq)).run();
      continue;
    }
    const Outgoing& o = op.put->entry;
    std::optional<std::int64_t> row;
    const auto rows = entry_messages_.find(s);
    const auto current = rows == entry_messages_.end()                  ? nullptr
                         : rows->second.find(seq) == rows->second.end() ? nullptr
                                                                        : rows->second.find(seq)->second;
    if (o.message && current == o.message.get()) {
      row = messages_.at(current).row;  // the same message, counted already
    } else {
      if (o.message) row = ref(o.message);
      set_entry_message(s, seq, o.message);  // and the previous one let go
    }
    const std::string ids = encode_identifiers(o.subscription_identifiers);
    put_entry_->bind(1, static_cast<std::int64_t>(s)).bind(2, static_cast<std::int64_t>(seq));
    if (row) {
      put_entry_->bind(3, *row);
    } else {
      put_entry_->bind_null(3);
    }
    put_entry_->bind(4, static_cast<std::int64_t>(o.qos)).bind(5, o.retain ? 1 : 0);
    put_entry_->bind(6, static_cast<std::int64_t>(o.packet_id)).bind(7, static_cast<std::int64_t>(o.state));
    if (ids.empty()) {
      put_entry_->bind_null(8);
    } else {
      put_entry_->bind(8, std::string_view(ids));
    }
    put_entry_->run();
  }
  for (const auto& [k, op] : incoming) {
    Statement* st = op.put != nullptr ? put_incoming_ : delete_incoming_;
    st->bind(1, static_cast<std::int64_t>(k.first)).bind(2, static_cast<std::int64_t>(k.second)).run();
  }
  for (const auto& will : wills) {
    const std::uint64_t s = will.first;  // (a lambda below captures it: no structured binding)
    const PersistEvent* e = will.second;
    const auto old = will_messages_.find(s);
    const Message* previous = old == will_messages_.end() ? nullptr : old->second;
    if (e == nullptr) {
      delete_will_->bind(1, static_cast<std::int64_t>(s)).run();
      if (previous != nullptr) {
        will_messages_.erase(s);
        undo_.emplace_back([this, s, previous] { will_messages_[s] = previous; });
        unref(previous);
      }
      continue;
    }
    const std::int64_t row = ref(e->entry.message);
    put_will_->bind(1, static_cast<std::int64_t>(s)).bind(2, row).bind(3, wall_ms(e->time)).run();
    will_messages_[s] = e->entry.message.get();
    undo_.emplace_back([this, s, previous] {
      if (previous != nullptr) {
        will_messages_[s] = previous;
      } else {
        will_messages_.erase(s);
      }
    });
    unref(previous);
  }
  for (const auto& [topic, e] : retained) {
    const auto old = retained_messages_.find(std::string(topic));
    const Message* previous = old == retained_messages_.end() ? nullptr : old->second;
    std::string key_text(topic);
    if (e == nullptr) {
      delete_retained_->bind(1, topic).run();
      if (previous != nullptr) retained_messages_.erase(key_text);
    } else {
      const std::int64_t row = ref(e->entry.message);
      put_retained_->bind(1, topic).bind(2, row).run();
      retained_messages_[key_text] = e->entry.message.get();
    }
    undo_.emplace_back([this, key_text, previous] {
      if (previous != nullptr) {
        retained_messages_[key_text] = previous;
      } else {
        retained_messages_.erase(key_text);
      }
    });
    unref(previous);
  }
}

// --- backup ---

std::string SqliteStore::backup(const std::string& from, const std::string& to) {
  if (!std::filesystem::exists(from)) return "no database at " + from;
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  const std::string tmp = to + ".tmp";
  std::string error;
  auto fail = [&](sqlite3* db, const std::string& what) {
    error = what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
  };
  if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    fail(src, "cannot open " + from);
  } else if (std::remove(tmp.c_str()),
             sqlite3_open_v2(tmp.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    fail(dst, "cannot create " + tmp);
  } else {
    sqlite3_busy_timeout(src, 5000);
    sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == nullptr) {
      fail(dst, "cannot start the backup");
    } else {
      int rc = SQLITE_OK;
      // Pages in steps, so a busy broker is not held up for long.
      while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (rc != SQLITE_OK) sqlite3_sleep(10);
      }
      sqlite3_backup_finish(b);
      if (rc != SQLITE_DONE) fail(dst, "backup failed");
    }
  }
  if (dst != nullptr) sqlite3_close(dst);
  if (src != nullptr) sqlite3_close(src);
  if (error.empty()) {
    std::error_code ec;
    std::filesystem::rename(tmp, to, ec);
    if (ec) error = "cannot rename " + tmp + " to " + to + ": " + ec.message();
  }
  if (!error.empty()) std::remove(tmp.c_str());
  return error;
}

}  // namespace roost::store
