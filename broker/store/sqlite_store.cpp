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

#include "store/row_codec.hpp"

namespace roost::store {

using engine::Message;
using engine::MessageRef;
using engine::Outgoing;
using engine::PersistEvent;
using Kind = PersistEvent::Kind;

namespace {

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
    // 1 -> 2: the user a session logged in as (NULL: anonymous), for the ACL after a restart
    "ALTER TABLE sessions ADD COLUMN username BLOB;",
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
    last_rc_ = sqlite3_errcode(db_) & 0xFF;
    std::string message = error != nullptr ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw std::runtime_error(message);
  }
}

namespace {

// Result codes that mean the file itself cannot be used (corrupt or
// unreadable), as opposed to the system failing us for now.
bool unusable(int rc) {
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR ||
         rc == SQLITE_PERM || rc == SQLITE_FORMAT;
}

}  // namespace

void SqliteStore::open_or_recover() {
  std::string why;
  const bool existed = std::filesystem::exists(settings_.path);
  auto give_up = [&](const std::string& message) {
    statements_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(message);
  };
  const Opened first = try_open(why);
  if (first == Opened::kOk) return;
  if (!existed) {
    // Nothing to recover: the path itself is wrong (a missing directory, no permission).
    std::error_code ec;
    std::filesystem::remove(settings_.path, ec);
    give_up(core::str_cat("cannot create the database ", settings_.path, ": ", why));
  }
  if (first == Opened::kFailed) {
    give_up(core::str_cat("cannot open the database ", settings_.path, ": ", why,
                          ". It is left as it is (a full disk, a file another process holds, or one Roost may not "
                          "write to)"));
  }
  log_.log(core::LogType::kError, core::str_cat("Persistence: ", settings_.path, " cannot be used (", why,
                                                "); moving it aside and starting with an empty database"));
  move_aside();
  if (try_open(why) != Opened::kOk) give_up(core::str_cat("cannot create the database ", settings_.path, ": ", why));
}

int SqliteStore::check_version() {
  // A connection of its own, read-only: closing a read-write connection may
  // checkpoint a WAL file, which would change a newer Roost's database.
  sqlite3* ro = nullptr;
  int version = -1;
  if (sqlite3_open_v2(settings_.path.c_str(), &ro, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(ro, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
      version = sqlite3_column_int(s, 0);
    } else {
      last_rc_ = sqlite3_errcode(ro) & 0xFF;
    }
    sqlite3_finalize(s);
  } else {
    last_rc_ = ro != nullptr ? sqlite3_errcode(ro) & 0xFF : SQLITE_NOMEM;
  }
  sqlite3_close(ro);
  return version;
}

SqliteStore::Opened SqliteStore::try_open(std::string& why) {
  statements_.clear();
  if (db_ != nullptr) {
    sqlite3_close(db_);
    db_ = nullptr;
  }
  last_rc_ = 0;
  int version = 0;
  if (std::filesystem::exists(settings_.path)) {
    version = check_version();
    if (version < 0) {
      why = sqlite3_errstr(last_rc_);
      return unusable(last_rc_) ? Opened::kUnusable : Opened::kFailed;
    }
    if (version > kSchemaVersion) {
      throw StoreError(core::str_cat("the database ", settings_.path, " was written by a newer Roost (schema ", version,
                                     "; this one knows up to ", kSchemaVersion,
                                     "). It is left as it is: run the newer Roost, or move the file away to start "
                                     "empty"));
    }
  }
  if (sqlite3_open_v2(settings_.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    last_rc_ = db_ != nullptr ? sqlite3_errcode(db_) & 0xFF : SQLITE_NOMEM;
    why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    return unusable(last_rc_) ? Opened::kUnusable : Opened::kFailed;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  try {
    {
      sqlite3_stmt* s = nullptr;
      std::string result = "no answer";
      if (sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW) {
        result = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        if (result != "ok") last_rc_ = SQLITE_CORRUPT;
      } else {
        last_rc_ = sqlite3_errcode(db_) & 0xFF;
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
    return unusable(last_rc_) ? Opened::kUnusable : Opened::kFailed;
  }
  return Opened::kOk;
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
  put_session_ = make(
      "INSERT OR REPLACE INTO sessions(id, client_id, expiry, offline_since, username) VALUES(?1, ?2, ?3, ?4, ?5)");
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
  if (tidy_) {
    for (const char* table : {"subscriptions", "entries", "incoming", "wills"}) {
      exec(core::str_cat("DELETE FROM ", table, " WHERE session NOT IN (SELECT id FROM sessions)").c_str());
    }
    tidy_ = false;
    undo_.emplace_back([this] { tidy_ = true; });
  }
  if (!orphan_rows_.empty()) {
    for (const std::int64_t row : orphan_rows_) delete_message_->bind(1, row).run();
    undo_.emplace_back([this, rows = orphan_rows_] { orphan_rows_ = rows; });
    orphan_rows_.clear();
  }
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
    if (e.username) {
      put_session_->bind(5, std::string_view(*e.username));
    } else {
      put_session_->bind_null(5);
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

}  // namespace roost::store
