// SqliteStore: reading the database back at start-up, and backups.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <sqlite3.h>
#include <unordered_map>

#include "store/row_codec.hpp"
#include "store/sqlite_store.hpp"

namespace roost::store {

using engine::Message;
using engine::MessageRef;
using engine::Outgoing;

// --- loading ---

engine::RestoredState SqliteStore::load(core::TimePoint now) {
  // Reads only: what expired while Roost was down goes back to the engine
  // as lists, and is deleted through events like any other change (so a
  // full disk at start-up costs nothing but a retry).
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
    // Every row that points at a message counts, the expired ones too: their
    // deletion events let go of them.
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
      std::string topic(blob(s, 0));
      retained_messages_[topic] = m.get();
      if (m->expired(now)) {
        state.expired_retained.push_back(std::move(topic));
      } else {
        state.retained.push_back(std::move(m));
      }
    });
    std::unordered_map<std::uint64_t, std::size_t> index;  // live session id -> position in state.sessions
    std::unordered_map<std::uint64_t, bool> expired;       // expired session ids
    query("SELECT id, client_id, expiry, offline_since, username FROM sessions ORDER BY id", [&](sqlite3_stmt* s) {
      const auto id = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
      state.next_session_id = std::max(state.next_session_id, id + 1);
      const auto expiry = static_cast<std::uint32_t>(sqlite3_column_int64(s, 2));
      const bool was_online = sqlite3_column_type(s, 3) == SQLITE_NULL;
      const std::int64_t offline_ms = was_online ? now_ms : sqlite3_column_int64(s, 3);
      if (expiry != engine::Session::kNeverExpires && offline_ms + static_cast<std::int64_t>(expiry) * 1000 <= now_ms) {
        expired[id] = true;
        state.expired_sessions.push_back(static_cast<SessionId>(id));
        return;
      }
      engine::RestoredSession r;
      r.id = static_cast<SessionId>(id);
      r.client_id = std::string(blob(s, 1));
      if (sqlite3_column_type(s, 4) != SQLITE_NULL) r.username = std::string(blob(s, 4));
      r.expiry_interval = expiry;
      r.offline_since = steady_of(offline_ms, now);
      r.was_online = was_online;
      index[id] = state.sessions.size();
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
            const auto id = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
            engine::RestoredSession* r = session_of(s);
            if (r == nullptr && !expired.contains(id)) return;  // no session: left for the clean-up below
            Outgoing o;
            o.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
            o.qos = static_cast<protocol::QoS>(std::clamp(sqlite3_column_int(s, 3), 0, 2));
            o.retain = sqlite3_column_int(s, 4) != 0;
            o.packet_id = static_cast<std::uint16_t>(sqlite3_column_int(s, 5));
            o.state = static_cast<Outgoing::State>(std::clamp(sqlite3_column_int(s, 6), 0, 3));
            o.subscription_identifiers = decode_identifiers(sqlite3_column_blob(s, 7), sqlite3_column_bytes(s, 7));
            o.message = message_of(s, 2);
            if (o.message) entry_messages_[id][o.seq] = o.message.get();
            // Only an exchange past PUBREC goes on without its message.
            if (r == nullptr || (!o.message && o.state != Outgoing::State::kAwaitingPubcomp)) return;
            r->entries.push_back(std::move(o));
          });
    query("SELECT session, packet_id FROM incoming", [&](sqlite3_stmt* s) {
      if (engine::RestoredSession* r = session_of(s)) {
        r->incoming_qos2.push_back(static_cast<std::uint16_t>(sqlite3_column_int(s, 1)));
      }
    });
    query("SELECT session, message, due_at FROM wills", [&](sqlite3_stmt* s) {
      const auto id = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
      engine::RestoredSession* r = session_of(s);
      if (r == nullptr && !expired.contains(id)) return;
      MessageRef will = message_of(s, 1);
      if (!will) return;
      will_messages_[id] = will.get();
      if (r == nullptr) {
        state.due_wills.push_back(std::move(will));  // its session ended while Roost was down
        return;
      }
      r->will = std::move(will);
      r->will_due = steady_of(sqlite3_column_int64(s, 2), now);
    });
  } catch (const std::exception& e) {
    // A database that passed the check but cannot be read: start empty.
    log_.log(core::LogType::kError, core::str_cat("Persistence: cannot read ", settings_.path, " (", e.what(),
                                                  "); moving it aside and starting with an empty database"));
    messages_.clear();
    entry_messages_.clear();
    will_messages_.clear();
    retained_messages_.clear();
    move_aside();
    std::string why;
    if (try_open(why) != Opened::kOk) {
      throw StoreError(core::str_cat("cannot create the database ", settings_.path, ": ", why));
    }
    return {};
  }
  // Rows nothing points at (left by sessions that are gone) go with the first commit.
  tidy_ = true;
  for (auto it = messages_.begin(); it != messages_.end();) {
    if (it->second.refs == 0) {
      orphan_rows_.push_back(it->second.row);
      it = messages_.erase(it);
    } else {
      ++it;
    }
  }
  std::size_t queued = 0;
  for (const auto& r : state.sessions) queued += r.entries.size();
  log_.log(core::LogType::kNotice,
           core::str_cat("Persistence: restored ", state.retained.size(), " retained messages and ",
                         state.sessions.size(), " sessions holding ", queued, " messages from ", settings_.path,
                         state.expired_sessions.empty()
                             ? std::string()
                             : core::str_cat("; ", state.expired_sessions.size(), " sessions expired meanwhile")));
  return state;
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
      // All pages in one step: one read transaction, one snapshot. (In
      // steps, every commit of the live broker would restart the copy.) WAL
      // lets the broker keep writing meanwhile.
      while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
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
