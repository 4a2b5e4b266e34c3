#pragma once
// Session: the state the server keeps for one client identifier, across
// connections when the session outlives them ([MQTT-4.1]). Owned by the
// engine, touched only on the engine's executor.

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "engine/auth_method.hpp"
#include "engine/authorizer.hpp"
#include "engine/fifo.hpp"
#include "engine/message.hpp"
#include "protocol/subscribe.hpp"
#include "protocol/types.hpp"

namespace roost::engine {

struct SubscriptionOptions {
  protocol::QoS max_qos = protocol::QoS::k0;
  protocol::RetainHandling retain_handling = protocol::RetainHandling::kSendOnSubscribe;
  // Bit-fields: a subscription is kept in the tree and in its session; eight bytes each.
  bool no_local : 1 = false;
  bool retain_as_published : 1 = false;
  // Authorization: each delivery must be checked against the session's
  // grants (the filter is only partly readable). Never stored: worked out
  // again from the rules.
  bool checked : 1 = false;
  std::uint32_t identifier = 0;  // 0: none
};

// Who a session's client logged in as, and what it may do (null grants:
// anything). Allocated only when there is something to hold.
struct ClientAuth {
  std::optional<std::string> username;
  std::unique_ptr<const Grants> grants;
  // Extended authentication (5.0): the CONNECT's method ("": none), and a
  // re-authentication in progress.
  std::string method;
  std::unique_ptr<AuthMethod> reauth;
  // The broker's own client (a bridge's local end): no rules apply to it,
  // as Mosquitto exempts its bridges from ACL checks.
  bool trusted = false;
  bool empty() const noexcept { return !username && !grants && method.empty() && !reauth && !trusted; }
};

// An outgoing message waiting in the queue or in flight.
struct Outgoing {
  enum class State : std::uint8_t { kQueued, kAwaitingPuback, kAwaitingPubrec, kAwaitingPubcomp };
  MessageRef message;
  std::vector<std::uint32_t> subscription_identifiers;
  protocol::QoS qos = protocol::QoS::k0;
  bool retain = false;
  std::uint16_t packet_id = 0;
  State state = State::kQueued;
  std::uint64_t seq = 0;  // its key in the store, unique in the engine (0: never stored)
};

// A will waiting for its connection to end, or for its delay.
struct PendingWill {
  MessageRef message;
  std::uint32_t delay = 0;  // seconds
};

class Session {
 public:
  static constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;

  Session(std::string client_id, SessionId id) : client_id_(std::move(client_id)), id_(id) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& client_id() const noexcept { return client_id_; }
  SessionId id() const noexcept { return id_; }

  // --- the connection ---
  bool online() const noexcept { return connection_ != core::ConnectionId::kNone; }
  core::ConnectionId connection() const noexcept { return connection_; }
  protocol::ProtocolVersion version() const noexcept { return version_; }
  void attach(core::ConnectionId connection, protocol::ProtocolVersion version) noexcept {
    connection_ = connection;
    version_ = version;
  }
  void detach() noexcept { connection_ = core::ConnectionId::kNone; }

  // Written to the store (a durable session): later changes go there too.
  bool persisted() const noexcept { return persisted_; }
  void set_persisted(bool persisted) noexcept { persisted_ = persisted; }

  // Limits the client announced (5.0 CONNECT properties; defaults for 3.x).
  std::uint16_t send_window = 65535;  // Receive Maximum, capped by max_inflight_messages
  bool request_problem_information = true;
  // A Mosquitto-style bridge (3.x protocol level with bit 7, "try_private"):
  // its subscriptions get No Local and Retain As Published, as Mosquitto
  // gives them, so bridged messages never loop back and keep their retain flag.
  bool bridge = false;
  // Connected with a queue past the high-water mark: its publishers are paused.
  bool congested = false;
  std::uint32_t max_packet_size = 0;  // 0: no limit
  std::uint32_t route_slot = 0;       // scratch for routing, with route_stamp below

  // Session Expiry Interval in seconds (0: ends with the connection).
  std::uint32_t expiry_interval = 0;

  // --- subscriptions held, by full filter (including "$share/<name>/") ---
  // A tree, not a hash map: no bucket array for the one or two filters most clients have.
  std::map<std::string, SubscriptionOptions, std::less<>> subscriptions;

  // --- outgoing QoS 1/2 and queued messages ---
  std::vector<Outgoing> inflight;  // in the order they were sent
  Fifo<Outgoing> queue;
  std::size_t queued_bytes = 0;
  // A packet identifier not in flight [MQTT-2.2.1-3].
  std::uint16_t take_packet_id() noexcept;
  // The inflight entry for `packet_id`, or null.
  Outgoing* find_inflight(std::uint16_t packet_id) noexcept;
  void erase_inflight(const Outgoing* entry) noexcept;

  // --- incoming QoS 2: identifiers received, PUBREL not yet ---
  // A small set: bounded by the Receive Maximum, usually a handful.
  class IdSet {
   public:
    bool contains(std::uint16_t id) const noexcept { return std::find(ids_.begin(), ids_.end(), id) != ids_.end(); }
    void insert(std::uint16_t id) {
      if (!contains(id)) ids_.push_back(id);
    }
    // Returns 1 when `id` was there.
    std::size_t erase(std::uint16_t id) noexcept {
      const auto it = std::find(ids_.begin(), ids_.end(), id);
      if (it == ids_.end()) return 0;
      *it = ids_.back();
      ids_.pop_back();
      return 1;
    }
    std::size_t size() const noexcept { return ids_.size(); }
    auto begin() const noexcept { return ids_.begin(); }
    auto end() const noexcept { return ids_.end(); }

   private:
    std::vector<std::uint16_t> ids_;
  };
  IdSet incoming_qos2;

  // --- authentication and authorization (null: anonymous, no rules, no AUTH) ---
  std::unique_ptr<ClientAuth> auth;
  const Grants* grants() const noexcept { return auth ? auth->grants.get() : nullptr; }
  const std::string* username() const noexcept { return auth && auth->username ? &*auth->username : nullptr; }

  // The CONNECT's extended authentication method, or "".
  std::string_view auth_method() const noexcept { return auth ? std::string_view(auth->method) : std::string_view{}; }

  // --- will and timers ---
  std::unique_ptr<PendingWill> will;  // a pointer: most clients have none
  // Set while a timer is pending (see Engine): when the will is due, when the session expires.
  std::optional<std::multimap<core::TimePoint, Session*>::iterator> will_timer;
  std::optional<std::multimap<core::TimePoint, Session*>::iterator> expiry_timer;

  // Scratch for routing one message: which target slot this session has.
  std::uint64_t route_stamp = 0;

 private:
  std::string client_id_;
  SessionId id_;
  core::ConnectionId connection_ = core::ConnectionId::kNone;
  protocol::ProtocolVersion version_ = protocol::ProtocolVersion::kV311;
  bool persisted_ = false;  // in the padding after version_: idle sessions add up
  std::uint16_t next_packet_id_ = 1;
};

}  // namespace roost::engine
