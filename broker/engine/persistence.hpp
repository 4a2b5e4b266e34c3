#pragma once
// Persistence: what the engine tells a store about its durable state, and
// what a store gives back at start-up. The engine knows no database: it
// records one PersistEvent per change of durable state (sessions that
// outlive their connection, their subscriptions, queued and in-flight
// QoS 1/2 messages, incoming QoS 2 identifiers, delayed wills, retained
// messages) and hands the events of each operation over together, so a
// store never commits half of one operation.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "engine/message.hpp"
#include "engine/session.hpp"

namespace roost::engine {

struct PersistEvent {
  enum class Kind : std::uint8_t {
    kSessionPut,          // session, text = client id, number = expiry, flag = online, time, username
    kSessionDelete,       // session (with everything it holds)
    kSubscriptionPut,     // session, text = filter, options
    kSubscriptionDelete,  // session, text = filter
    kEntryPut,            // session, entry (seq, message, state...), flag = fresh (first write)
    kEntryDelete,         // session, entry.seq
    kIncomingPut,         // session, number = packet id
    kIncomingDelete,      // session, number = packet id
    kWillPut,             // session, entry.message, time = when it is due
    kWillDelete,          // session
    kRetainedPut,         // entry.message (its topic is the key)
    kRetainedDelete,      // text = topic
  };
  Kind kind = Kind::kSessionPut;
  bool flag = false;
  SessionId session = SessionId::kBroker;
  std::uint32_t number = 0;
  core::TimePoint time{};
  std::string text;
  std::optional<std::string> username;  // kSessionPut: who logged in last (for the ACL after a restart)
  SubscriptionOptions options;
  Outgoing entry;
};

// Where the engine's events go (a store on its own thread).
class Persistence {
 public:
  virtual ~Persistence() = default;
  // The events of one engine operation, in order; the callee takes them
  // and leaves `events` empty. Returns the submission's ticket: numbers
  // grow, and Engine::committed(ticket) says all up to it are stored.
  virtual std::uint64_t submit(std::vector<PersistEvent>& events) = 0;
};

// One durable session as a store restores it.
struct RestoredSession {
  SessionId id = SessionId::kBroker;
  std::string client_id;
  std::optional<std::string> username;  // as it last logged in
  std::uint32_t expiry_interval = 0;
  core::TimePoint offline_since{};
  std::vector<std::pair<std::string, SubscriptionOptions>> subscriptions;
  std::vector<Outgoing> entries;  // in seq order; the state says queued or in flight
  std::vector<std::uint16_t> incoming_qos2;
  MessageRef will;  // a will waiting for its delay, or null
  core::TimePoint will_due{};
  bool was_online = false;  // connected when the broker stopped: offline from the restart
};

// A store's load() only reads; what expired while the broker was down comes
// back as lists, and Engine::restore() turns them into events, so the
// cleanup is committed (and retried) like any other change.
struct RestoredState {
  std::vector<MessageRef> retained;
  std::vector<RestoredSession> sessions;
  std::vector<SessionId> expired_sessions;
  std::vector<MessageRef> due_wills;  // of the expired sessions: published now [MQTT-3.1.3-9]
  std::vector<std::string> expired_retained;
  std::uint64_t next_session_id = 1;  // above every session id the store has seen
};

}  // namespace roost::engine
