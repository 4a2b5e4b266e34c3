#pragma once
// Engine: broker semantics without I/O. It owns the sessions, the
// subscription tree and the retained messages; the network layer feeds it
// decoded packets and it answers through the Outbox. Every call happens on
// the engine's executor; time is passed in.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "engine/auth_method.hpp"
#include "engine/authorizer.hpp"
#include "engine/message.hpp"
#include "engine/outbox.hpp"
#include "engine/persistence.hpp"
#include "engine/retained_store.hpp"
#include "engine/session.hpp"
#include "engine/settings.hpp"
#include "engine/stats.hpp"
#include "engine/subscription_tree.hpp"
#include "engine/topic_levels.hpp"
#include "protocol/packet.hpp"

namespace roost::engine {

// Who is connecting, as the network layer knows it.
struct ClientInfo {
  std::string address;                  // "ip:port", for log lines
  std::optional<std::string> username;  // as authenticated (the network layer checked the password)
  bool username_as_client_id = false;   // the listener's use_username_as_clientid
  bool trusted = false;                 // the broker's own client (a bridge): no ACL rules apply
};

class Engine {
 public:
  Engine(EngineSettings settings, Outbox& outbox, core::Logger logger);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // A connection's CONNECT. Answers with CONNACK; on success the connection
  // is bound to a session until disconnect() or connection_lost().
  void connect(core::ConnectionId connection, protocol::Packet connect, const ClientInfo& client, core::TimePoint now);

  // A PUBLISH from a connected client. `topic` is the packet's topic, or the
  // one its Topic Alias stands for, kept alive by `topic_storage`. Returns
  // true when the message went to a congested subscriber: the caller should
  // stop reading from this publisher until congested() is 0 again.
  bool publish(core::ConnectionId connection, const protocol::Packet& publish, std::string_view topic,
               core::SharedBytes topic_storage, core::TimePoint now);

  // Connected sessions whose queue is past the high-water mark (flow control:
  // publishers feeding them wait, rather than their QoS 1/2 messages being dropped).
  std::size_t congested() const noexcept { return congested_; }

  // Acknowledgements from a connected client.
  void puback(core::ConnectionId connection, const protocol::Puback& ack, core::TimePoint now);
  void pubrec(core::ConnectionId connection, const protocol::Pubrec& ack, core::TimePoint now);
  void pubrel(core::ConnectionId connection, const protocol::Pubrel& ack, core::TimePoint now);
  void pubcomp(core::ConnectionId connection, const protocol::Pubcomp& ack, core::TimePoint now);

  void subscribe(core::ConnectionId connection, const protocol::Subscribe& subscribe, core::TimePoint now);
  void unsubscribe(core::ConnectionId connection, const protocol::Unsubscribe& unsubscribe, core::TimePoint now);

  // The client sent DISCONNECT; the network layer closes the connection.
  void disconnect(core::ConnectionId connection, const protocol::Disconnect& disconnect, core::TimePoint now);

  // The connection ended without DISCONNECT (network error, keep alive,
  // protocol error). Unknown or already-closed connections are ignored.
  void connection_lost(core::ConnectionId connection, core::TimePoint now);

  // An AUTH packet: the next step of an exchange started by CONNECT, or a
  // re-authentication; without an exchange it is a Protocol Error [MQTT-4.12.0-7].
  void auth(core::ConnectionId connection, const protocol::Auth& auth, core::TimePoint now);

  // Rules for what clients may publish and receive (null: everything is
  // allowed). Applied at once to every session, connected or not: grants
  // are worked out again and subscriptions re-checked.
  void set_authorizer(std::shared_ptr<const Authorizer> authorizer);

  // Makes `name` available as an extended authentication method.
  void register_auth_method(std::string name, AuthMethodFactory factory);

  // The connection's output has room again: queued messages waiting for it go.
  void writable(core::ConnectionId connection, core::TimePoint now);

  // Runs what is due by `now`: delayed wills, expired sessions.
  void tick(core::TimePoint now);

  // Publishes a message the broker makes itself (e.g. $SYS), retained or not.
  void publish_internal(const MessageRef& message, core::TimePoint now);

  // Durable state goes to `persistence` from now on (null: nowhere). Set it
  // before restore(), which stores the clean-up of what expired.
  void set_persistence(Persistence* persistence) noexcept { persistence_ = persistence; }
  // Loads what a store kept, before any connection: sessions come back
  // offline, their timers counted from when they went offline; wills of
  // sessions that expired meanwhile are published.
  void restore(RestoredState state, core::TimePoint now);
  // The store committed every submission up to `ticket`: acknowledgements
  // held for them (acks_after_commit) go out, in the order they were made.
  void committed(std::uint64_t ticket);
  // Acknowledgements waiting for a commit.
  std::size_t held_acks() const noexcept { return held_acks_.size(); }

  const EngineStats& stats() const noexcept { return stats_; }
  std::size_t session_count() const noexcept { return sessions_.size(); }
  std::size_t subscription_count() const noexcept { return subscriptions_.size(); }
  const RetainedStore& retained() const noexcept { return retained_; }
  // Messages held: retained, queued and in flight (walks every session; for $SYS).
  std::size_t stored_messages() const noexcept;
  const EngineSettings& settings() const noexcept { return settings_; }
  // New limits for what comes next (a configuration reload); connected
  // clients keep what their CONNACK told them.
  void set_settings(EngineSettings settings) { settings_ = std::move(settings); }
  // The session bound to `connection`, or null (tests and diagnostics).
  const Session* session_of(core::ConnectionId connection) const noexcept;
  const Session* find_session(std::string_view client_id) const noexcept;

 private:
  // One subscriber of a message being routed.
  struct Target {
    Session* session = nullptr;
    protocol::QoS qos = protocol::QoS::k0;
    bool retain = false;
    std::vector<std::uint32_t> identifiers;
  };

  Session* online(core::ConnectionId connection) noexcept;
  // Whether a Reason String may go to this session's client (5.0, Request
  // Problem Information not 0 [MQTT-3.1.2-29], and room under its Maximum
  // Packet Size for a short string [MQTT-3.1.2-25]).
  static bool explains(const Session& session) noexcept;
  // online(), or nullptr after refusing a packet sent mid-authentication.
  Session* online_or_refuse(core::ConnectionId connection);

  // connect
  void accept(core::ConnectionId connection, protocol::Packet packet, const ClientInfo& client,
              std::optional<std::uint16_t> server_keep_alive, const AuthStep* auth, core::TimePoint now);
  void auth_step(core::ConnectionId connection, const AuthStep& step, core::TimePoint now);
  void refuse(core::ConnectionId connection, const protocol::Connect& connect, protocol::ReasonCode reason,
              const ClientInfo& client, std::string_view why);
  // The session for `client_id`: resumed, or new when `clean_start` or when
  // another user (`username`) held it: its subscriptions and queued
  // messages were that user's, never handed to someone else.
  Session& open_session(const std::string& client_id, bool clean_start, const std::optional<std::string>& username,
                        bool& session_present, core::TimePoint now);
  void take_over(Session& session, core::TimePoint now);
  protocol::Connack make_connack(const Session& session, const protocol::Connect& c, bool session_present,
                                 bool assigned_id, std::optional<std::uint16_t> server_keep_alive) const;

  // An extended authentication in progress, before CONNACK.
  struct PendingAuth {
    protocol::Packet connect;
    ClientInfo client;
    std::optional<std::uint16_t> server_keep_alive;
    std::unique_ptr<AuthMethod> method;
  };
  std::map<std::string, AuthMethodFactory, std::less<>> auth_methods_;
  std::unordered_map<core::ConnectionId, PendingAuth> pending_auth_;

  // persistence: events of one public call are submitted together
  class PersistScope {
   public:
    explicit PersistScope(Engine& engine) noexcept : engine_(engine) { ++engine_.persist_depth_; }
    ~PersistScope();
    PersistScope(const PersistScope&) = delete;
    PersistScope& operator=(const PersistScope&) = delete;

   private:
    Engine& engine_;
  };
  PersistEvent& persist(PersistEvent::Kind kind, const Session* session);
  // After a connect or disconnect: the session is written whole when it
  // becomes durable, updated while it is, removed when it stops being.
  void sync_session(Session& session, core::TimePoint now);
  // An entry that changed (queued, sent, acknowledged half-way).
  void persist_entry(Session& session, Outgoing& entry);
  // An entry that is done with.
  void forget_entry(const Session& session, const Outgoing& entry);
  // retained_.set() plus its event.
  void retain(const MessageRef& message);
  // A PUBACK, PUBREC, PUBREL or PUBCOMP: sent now, or (acks_after_commit)
  // once what this call stored is committed.
  struct HeldAck {
    std::uint64_t ticket = 0;
    core::ConnectionId connection{};
    protocol::PacketType type = protocol::PacketType::kPuback;
    std::uint16_t packet_id = 0;
    protocol::ReasonCode reason = protocol::ReasonCode::kSuccess;
    std::string why;  // a Reason String, or empty
  };
  void send_ack(core::ConnectionId connection, protocol::PacketType type, std::uint16_t packet_id,
                protocol::ReasonCode reason, std::string_view why = {});
  void send_held(const HeldAck& ack);

  // authorization
  // Works out the session's grants for `username` (moved in) under the current authorizer.
  void authorize(Session& session, std::optional<std::string> username, bool trusted);
  // The subscription's `checked` flag under the session's grants; false when `filter` may not be read at all.
  bool check_subscription(const Session& session, std::string_view filter, SubscriptionOptions& options) const;
  bool may_receive(const Session& session, std::string_view topic) const;
  bool may_publish(const Session& session, std::string_view topic) const;

  // routing and delivery
  std::size_t route(const MessageRef& message, SessionId origin, core::TimePoint now);
  void deliver(Session& session, const MessageRef& message, protocol::QoS qos, bool retain,
               std::vector<std::uint32_t> identifiers, core::TimePoint now);
  void enqueue(Session& session, Outgoing entry);
  void update_congestion(Session& session) noexcept;
  enum class SendResult : std::uint8_t { kSent, kDropped, kOutputFull };
  SendResult send_now(Session& session, Outgoing& entry, core::TimePoint now);
  void pump(Session& session, core::TimePoint now);
  void resend_inflight(Session& session, core::TimePoint now);
  void send_retained(Session& session, std::string_view filter, const SubscriptionOptions& options,
                     core::TimePoint now);

  // the end of connections and sessions
  void end_connection(Session& session, bool publish_will, core::TimePoint now);
  void release_will(Session& session, core::TimePoint now);
  void end_session(Session& session, core::TimePoint now);
  void publish_will(Session& session, core::TimePoint now);
  void cancel_timers(Session& session);

  EngineSettings settings_;
  Outbox& outbox_;
  core::Logger log_;
  EngineStats stats_;

  // Keyed by a view of the session's own client id: the id is stored once.
  std::unordered_map<std::string_view, std::unique_ptr<Session>, StringHash, std::equal_to<>> sessions_;
  std::unordered_map<core::ConnectionId, Session*> connections_;
  SubscriptionTree subscriptions_;
  RetainedStore retained_;
  std::multimap<core::TimePoint, Session*> will_timers_;
  std::multimap<core::TimePoint, Session*> expiry_timers_;

  std::uint64_t next_session_id_ = 1;
  std::uint64_t next_assigned_id_ = 1;
  std::uint64_t route_stamp_ = 0;
  std::size_t congested_ = 0;
  bool route_hit_congestion_ = false;  // set by enqueue() during one route()
  std::vector<Match> matches_;         // scratch for route()
  std::vector<Target> targets_;        // scratch for route()
  std::vector<MessageRef> retained_scratch_;

  std::shared_ptr<const Authorizer> authorizer_;

  Persistence* persistence_ = nullptr;
  std::vector<PersistEvent> persist_events_;
  int persist_depth_ = 0;
  std::vector<HeldAck> scope_acks_;  // made during the current call
  Fifo<HeldAck> held_acks_;          // waiting for their ticket's commit
  std::uint64_t last_ticket_ = 0;
  std::uint64_t next_seq_ = 1;  // the next Outgoing::seq (one counter: no 8 bytes per session)
};

}  // namespace roost::engine
