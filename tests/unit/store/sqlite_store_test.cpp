// SqliteStore with a real engine and a real database file (no writer
// thread: the tests commit with flush_now()).

#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sstream>

#include "auth/acl.hpp"
#include "engine/engine_test_util.hpp"

namespace roost::store {
namespace {

using engine::test::EngineTest;
using protocol::QoS;
namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// SELECT count(*) through a connection of the test's own.
std::int64_t count_rows(const fs::path& db, const std::string& table) {
  sqlite3* conn = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  std::int64_t n = -1;
  if (sqlite3_prepare_v2(conn, ("SELECT count(*) FROM " + table).c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(conn);
  return n;
}

class StoreTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    char pattern[] = "/tmp/roost-store-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    settings_.path = (dir_ / "roost.db").string();
    open_store();
  }
  void TearDown() override {
    engine().set_persistence(nullptr);
    store_.reset();
    fs::remove_all(dir_);
  }

  void open_store() {
    store_ = std::make_unique<SqliteStore>(settings_, core::Logger());
    engine().set_persistence(store_.get());
  }

  // A broker restart: the store closes, a new engine restores from a new store.
  void restart() {
    engine().set_persistence(nullptr);
    if (store_) store_->close();
    store_.reset();
    engine_ = std::make_unique<engine::Engine>(settings(), outbox_, core::Logger());
    store_ = std::make_unique<SqliteStore>(settings_, core::Logger());
    engine().set_persistence(store_.get());
    engine().restore(store_->load(now_), now_);
  }

  // A durable session subscribed to `filter`, then offline.
  void offline_subscriber(const std::string& id, const std::string& filter, QoS qos = QoS::k1) {
    const auto c = connect(id, protocol::ProtocolVersion::kV5, false, 3600);
    subscribe(c, filter, qos);
    engine().disconnect(c, protocol::Disconnect{}, now_);
  }

  fs::path db() const { return settings_.path; }

  fs::path dir_;
  StoreSettings settings_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(StoreTest, QueuedMessagesAndRetainedSurviveARestart) {
  offline_subscriber("keeper", "q/#");
  const auto pub = connected("pub");
  publish(pub, "q/1", "first", QoS::k1);
  publish(pub, "q/2", "second", QoS::k2);
  publish(pub, "r/1", "kept", QoS::k0, true);
  ASSERT_TRUE(store_->flush_now());
  restart();

  const auto c = connect("keeper", protocol::ProtocolVersion::kV5, false, 3600);
  const auto packets = outbox_.take(c);
  ASSERT_FALSE(packets.empty());
  EXPECT_TRUE(std::get<protocol::Connack>(packets[0].body).session_present);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic, "q/1");
  EXPECT_EQ(engine::test::text(got[0].payload), "first");
  EXPECT_EQ(got[1].topic, "q/2");
  EXPECT_EQ(got[1].qos, QoS::k1);  // the subscription's maximum
  // Its subscription came back too: a new message reaches it.
  const auto pub2 = connected("pub2");
  publish(pub2, "q/3", "third", QoS::k1);
  ASSERT_EQ(publishes(outbox_.take(c)).size(), 1u);
  // And the retained message.
  const auto reader = connected("reader");
  subscribe(reader, "r/#");
  const auto retained_packets = outbox_.take(reader);
  const auto retained = publishes(retained_packets);
  ASSERT_EQ(retained.size(), 1u);
  EXPECT_EQ(engine::test::text(retained[0].payload), "kept");
  EXPECT_TRUE(retained[0].retain);
}

TEST_F(StoreTest, QueuedQos0ForAnOfflineSessionIsStoredWhenConfigured) {
  engine::EngineSettings s;
  s.queue_qos0_messages = true;
  engine().set_settings(s);
  offline_subscriber("keeper", "z/#", QoS::k0);
  const auto pub = connected("pub");
  publish(pub, "z/1", "at most once, but kept", QoS::k0);
  ASSERT_TRUE(store_->flush_now());
  restart();
  engine().set_settings(s);
  const auto c = connect("keeper", protocol::ProtocolVersion::kV5, false, 3600);
  const auto packets = outbox_.take(c);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].qos, QoS::k0);
  EXPECT_EQ(engine::test::text(got[0].payload), "at most once, but kept");
  ASSERT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "entries"), 0);  // sent: gone from the store
}

TEST_F(StoreTest, InflightMessageIsResentWithDupAfterARestart) {
  const auto c = connect("flying", protocol::ProtocolVersion::kV5, false, 3600);
  subscribe(c, "f/#", QoS::k1);
  outbox_.take(c);
  const auto pub = connected("pub");
  publish(pub, "f/1", "unacked", QoS::k1);
  const auto sent_packets = outbox_.take(c);
  const auto sent = publishes(sent_packets);
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(store_->flush_now());
  restart();
  const auto again = connect("flying", protocol::ProtocolVersion::kV5, false, 3600);
  const auto resent_packets = outbox_.take(again);
  const auto resent = publishes(resent_packets);
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_TRUE(resent[0].dup);
  EXPECT_EQ(resent[0].packet_id, sent[0].packet_id);
}

TEST_F(StoreTest, APayloadSharedByManyQueuesIsStoredOnce) {
  offline_subscriber("a", "s/#");
  offline_subscriber("b", "s/#");
  offline_subscriber("c", "s/+");
  const auto pub = connected("pub");
  publish(pub, "s/1", "shared", QoS::k1);
  ASSERT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "entries"), 3);
  EXPECT_EQ(count_rows(db(), "messages"), 1);
  // Delivered to all three: the message row goes with the last entry.
  for (const char* id : {"a", "b", "c"}) {
    const auto c = connect(id, protocol::ProtocolVersion::kV5, false, 3600);
    const auto got_packets = outbox_.take(c);
    const auto got = publishes(got_packets);
    ASSERT_EQ(got.size(), 1u);
    protocol::Puback ack;
    ack.packet_id = got[0].packet_id;
    engine().puback(c, ack, now_);
  }
  ASSERT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "entries"), 0);
  EXPECT_EQ(count_rows(db(), "messages"), 0);
}

TEST_F(StoreTest, AMessageAcknowledgedWithinTheFlushWindowIsNeverWritten) {
  const auto c = connect("live", protocol::ProtocolVersion::kV5, false, 3600);
  subscribe(c, "l/#", QoS::k1);
  ASSERT_TRUE(store_->flush_now());
  outbox_.take(c);
  const auto pub = connected("pub");
  for (int i = 0; i < 10; ++i) {
    publish(pub, "l/1", "quick", QoS::k1);
    const auto got_packets = outbox_.take(c);
    const auto got = publishes(got_packets);
    ASSERT_EQ(got.size(), 1u);
    protocol::Puback ack;
    ack.packet_id = got[0].packet_id;
    engine().puback(c, ack, now_);
  }
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(settings_.path.c_str(), &conn), SQLITE_OK);
  const int before = sqlite3_total_changes(conn);
  ASSERT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "entries"), 0);
  EXPECT_EQ(count_rows(db(), "messages"), 0);
  EXPECT_EQ(sqlite3_total_changes(conn), before);
  sqlite3_close(conn);
}

TEST_F(StoreTest, ExpiredSessionsAndRetainedMessagesAreDroppedWhileLoading) {
  const auto c = connect("brief", protocol::ProtocolVersion::kV5, false, 60);
  subscribe(c, "b/#", QoS::k1);
  engine().disconnect(c, protocol::Disconnect{}, now_);
  const auto pub = connected("pub");
  protocol::Properties expiring;
  expiring.message_expiry_interval = 30;
  publish(pub, "b/retained", "soon gone", QoS::k1, true, 0, expiring);
  publish(pub, "b/forever", "stays", QoS::k0, true);
  ASSERT_TRUE(store_->flush_now());
  now_ += std::chrono::seconds(61);  // the broker was down meanwhile
  restart();
  EXPECT_EQ(engine().find_session("brief"), nullptr);
  EXPECT_EQ(engine().retained().size(), 1u);
  // load() only reads; the clean-up is committed like any change.
  EXPECT_EQ(count_rows(db(), "sessions"), 1);
  ASSERT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "sessions"), 0);
  EXPECT_EQ(count_rows(db(), "entries"), 0);
  EXPECT_EQ(count_rows(db(), "retained"), 1);
  EXPECT_EQ(count_rows(db(), "messages"), 1);
}

TEST_F(StoreTest, TheWillOfASessionThatExpiredWhileDownIsPublished) {
  offline_subscriber("watcher", "wills/#");
  protocol::Will will;
  will.topic = "wills/brief";
  will.payload = core::as_bytes(std::string_view("gone"));
  will.qos = QoS::k1;
  will.properties.will_delay_interval = 30;
  const auto c = connect("brief", protocol::ProtocolVersion::kV5, true, 60, will);
  engine().connection_lost(c, now_);  // the will waits 30 s
  ASSERT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "wills"), 1);
  now_ += std::chrono::seconds(120);  // down past the will's delay and the session's expiry
  restart();
  EXPECT_EQ(engine().find_session("brief"), nullptr);
  const auto w = connect("watcher", protocol::ProtocolVersion::kV5, false, 3600);
  const auto packets = outbox_.take(w);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "wills/brief");
  ASSERT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "wills"), 0);
}

TEST_F(StoreTest, ASessionOnlineWhenTheBrokerStoppedCountsAsOfflineFromTheRestart) {
  const auto c = connect("online", protocol::ProtocolVersion::kV5, false, 60);
  subscribe(c, "o/#", QoS::k1);
  ASSERT_TRUE(store_->flush_now());    // stored while connected: no offline time
  now_ += std::chrono::seconds(3600);  // a crash, and an hour down
  restart();
  ASSERT_NE(engine().find_session("online"), nullptr);  // its 60 s start now
  ASSERT_TRUE(store_->flush_now());
  now_ += std::chrono::seconds(61);
  engine().tick(now_);
  EXPECT_EQ(engine().find_session("online"), nullptr);
}

TEST_F(StoreTest, AnAssignedClientIdNeverTakesARestoredSession) {
  offline_subscriber("auto-1-1", "a/#");
  ASSERT_TRUE(store_->flush_now());
  restart();
  next_connection_ = 1;  // the new run numbers connections from 1 again
  outbox_.take(static_cast<core::ConnectionId>(1));
  const auto c = connect("", protocol::ProtocolVersion::kV5, false, 3600);
  const auto packets = outbox_.take(c);
  ASSERT_EQ(packets.size(), 1u);
  const auto& ack = std::get<protocol::Connack>(packets[0].body);
  EXPECT_FALSE(ack.session_present);
  ASSERT_TRUE(ack.properties.assigned_client_identifier.has_value());
  EXPECT_NE(*ack.properties.assigned_client_identifier, "auto-1-1");
  EXPECT_NE(engine().find_session("auto-1-1"), nullptr);
}

TEST_F(StoreTest, AFullDiskLosesNothingAndIsRetried) {
  store_->set_max_page_count(8);  // a few pages: the schema fills most of them
  const auto pub = connected("pub");
  const std::string big(64 * 1024, 'x');
  publish(pub, "big/1", big, QoS::k0, true);
  EXPECT_FALSE(store_->flush_now());
  EXPECT_EQ(store_->stats().failures, 1u);
  EXPECT_EQ(count_rows(db(), "retained"), 0);  // nothing half-written
  publish(pub, "big/2", "small", QoS::k0, true);
  EXPECT_FALSE(store_->flush_now());  // still full; both kept in order
  store_->set_max_page_count(0);      // room again
  EXPECT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "retained"), 2);
  restart();
  EXPECT_EQ(engine().retained().size(), 2u);
}

TEST_F(StoreTest, ACorruptDatabaseIsMovedAsideAndTheStoreStartsEmpty) {
  store_.reset();
  engine().set_persistence(nullptr);
  fs::remove(db());
  const std::string garbage(8192, 'G');
  std::ofstream(db(), std::ios::binary) << garbage;
  open_store();
  EXPECT_TRUE(store_->load(now_).sessions.empty());
  int aside = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("roost.db.corrupt-") && !name.ends_with("-wal")) {
      ++aside;
      EXPECT_EQ(read_file(entry.path()), garbage);
    }
  }
  EXPECT_EQ(aside, 1);
  // The new database works.
  const auto pub = connected("pub");
  publish(pub, "after", "corruption", QoS::k0, true);
  EXPECT_TRUE(store_->flush_now());
  EXPECT_EQ(count_rows(db(), "retained"), 1);
}

TEST_F(StoreTest, ADatabaseOfANewerSchemaIsRefusedAndLeftAlone) {
  store_.reset();
  engine().set_persistence(nullptr);
  fs::remove(db());
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(settings_.path.c_str(), &conn), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(conn, "CREATE TABLE future(x); PRAGMA user_version = 99;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(conn);
  const std::string before = read_file(db());
  try {
    SqliteStore store(settings_, core::Logger());
    FAIL() << "a newer schema was opened";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer Roost (schema 99; this one knows up to 2)"), std::string::npos);
  }
  EXPECT_EQ(read_file(db()), before);
}

TEST_F(StoreTest, AnOfflineSessionKeepsItsUserAndSoItsAclAcrossARestart) {
  auto acl = auth::Acl::parse("topic write #\nuser reader\ntopic read open/#\n", "acl");
  ASSERT_TRUE(acl);
  const auto rules = std::make_shared<auth::Acl>(std::move(*acl));
  engine().set_authorizer(rules);
  protocol::Connect connect;
  connect.client_id = "reader-client";
  connect.clean_start = false;
  connect.properties.session_expiry_interval = 3600;
  const auto c = static_cast<core::ConnectionId>(next_connection_++);
  engine().connect(c, as_packet(connect), engine::ClientInfo{"x", std::string("reader"), false}, now_);
  subscribe(c, "#", QoS::k1);  // granted, each message checked
  engine().disconnect(c, protocol::Disconnect{}, now_);
  ASSERT_TRUE(store_->flush_now());
  restart();
  engine().set_authorizer(rules);  // as the broker does once restored
  ASSERT_NE(engine().find_session("reader-client")->username(), nullptr);
  const auto pub = connected("pub");
  publish(pub, "open/1", "for the reader", QoS::k1);
  publish(pub, "closed/1", "not for the reader", QoS::k1);
  const auto back = static_cast<core::ConnectionId>(next_connection_++);
  engine().connect(back, as_packet(connect), engine::ClientInfo{"x", std::string("reader"), false}, now_);
  const auto packets_back = outbox_.take(back);  // the views below point into these
  const auto got = publishes(packets_back);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "open/1");
}

TEST_F(StoreTest, EveryEarlierSchemaLoads) {
  // Each new schema adds its frozen fixture here.
  for (const int version : {1, 2}) {
    store_.reset();
    engine().set_persistence(nullptr);
    fs::remove(db());
    const std::string sql =
        read_file(fs::path(ROOST_TEST_DATA) / "store" / ("schema-" + std::to_string(version) + ".sql"));
    ASSERT_FALSE(sql.empty());
    sqlite3* conn = nullptr;
    ASSERT_EQ(sqlite3_open(settings_.path.c_str(), &conn), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(conn);
    sqlite3_close(conn);
    restart();
    ASSERT_NE(engine().find_session("old-client"), nullptr) << "schema " << version;
    // Schema 2 keeps who the session logged in as; schema 1 knew no users.
    const std::string* user = engine().find_session("old-client")->username();
    if (version >= 2) {
      ASSERT_NE(user, nullptr);
      EXPECT_EQ(*user, "old-user");
    } else {
      EXPECT_EQ(user, nullptr);
    }
    EXPECT_EQ(engine().retained().size(), 1u);
    // The session's own user resumes it (another user would start afresh).
    protocol::Connect again;
    again.client_id = "old-client";
    again.clean_start = false;
    again.properties.session_expiry_interval = 3600;
    const auto c = static_cast<core::ConnectionId>(next_connection_++);
    engine().connect(
        c, as_packet(again),
        engine::ClientInfo{"x", version >= 2 ? std::optional<std::string>("old-user") : std::nullopt, false}, now_);
    const auto got_packets = outbox_.take(c);
    const auto got = publishes(got_packets);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_TRUE(got[0].dup);  // the one in flight first, with its identifier
    EXPECT_EQ(got[0].packet_id, 42);
    EXPECT_EQ(engine::test::text(got[0].payload), "in flight");
    EXPECT_EQ(engine::test::text(got[1].payload), "queued");
    EXPECT_EQ(got[1].properties.subscription_identifiers, std::vector<std::uint32_t>{7});
  }
}

}  // namespace
}  // namespace roost::store

namespace roost::store {
namespace {

// Strict durability: acknowledgements wait for the commit.
class StrictStoreTest : public StoreTest {
 protected:
  engine::EngineSettings settings() const override {
    engine::EngineSettings s;
    s.acks_after_commit = true;
    return s;
  }
  void SetUp() override {
    settings_.durability = Durability::kStrict;
    StoreTest::SetUp();
    store_->on_commit([this](std::uint64_t ticket) { engine().committed(ticket); });
  }

  static std::vector<protocol::PacketType> types(const std::vector<protocol::Packet>& packets) {
    std::vector<protocol::PacketType> out;
    for (const auto& p : packets) out.push_back(protocol::type_of(p.body));
    return out;
  }
};

TEST_F(StrictStoreTest, PubackLeavesOnlyAfterTheCommit) {
  offline_subscriber("keeper", "q/#");
  ASSERT_TRUE(store_->flush_now());
  const auto pub = connected("pub");
  publish(pub, "q/1", "stored first", QoS::k1, false, 11);
  EXPECT_TRUE(outbox_.take(pub).empty()) << "PUBACK before the message was committed";
  EXPECT_EQ(engine().held_acks(), 1u);
  ASSERT_TRUE(store_->flush_now());
  const auto packets = outbox_.take(pub);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<protocol::Puback>(packets[0].body).packet_id, 11);
  EXPECT_EQ(count_rows(db(), "entries"), 1);
}

TEST_F(StrictStoreTest, AcknowledgementsKeepTheirOrder) {
  offline_subscriber("keeper", "q/#");
  // A durable publisher: its QoS 2 identifiers are stored too.
  const auto pub = connect("pub", protocol::ProtocolVersion::kV5, false, 3600);
  ASSERT_TRUE(store_->flush_now());
  outbox_.take(pub);
  publish(pub, "q/1", "stored", QoS::k1, false, 1);
  publish(pub, "nobody/listens", "not stored", QoS::k1, false, 2);  // nothing to wait for, but after 1
  publish(pub, "q/2", "stored", QoS::k2, false, 3);
  EXPECT_TRUE(outbox_.take(pub).empty());
  ASSERT_TRUE(store_->flush_now());
  const auto packets = outbox_.take(pub);
  ASSERT_EQ(types(packets),
            (std::vector<protocol::PacketType>{protocol::PacketType::kPuback, protocol::PacketType::kPuback,
                                               protocol::PacketType::kPubrec}));
  EXPECT_EQ(std::get<protocol::Puback>(packets[0].body).packet_id, 1);
  EXPECT_EQ(std::get<protocol::Puback>(packets[1].body).packet_id, 2);
  // PUBCOMP waits for the identifier's removal to be committed too.
  protocol::Pubrel rel;
  rel.packet_id = 3;
  engine().pubrel(pub, rel, now_);
  EXPECT_TRUE(outbox_.take(pub).empty());
  ASSERT_TRUE(store_->flush_now());
  ASSERT_EQ(types(outbox_.take(pub)), std::vector<protocol::PacketType>{protocol::PacketType::kPubcomp});
  EXPECT_EQ(count_rows(db(), "incoming"), 0);
}

TEST_F(StrictStoreTest, PubrelWaitsForTheStoredPubcompPhase) {
  const auto sub = connect("twice-shy", protocol::ProtocolVersion::kV5, false, 3600);
  subscribe(sub, "e/#", QoS::k2);
  ASSERT_TRUE(store_->flush_now());
  outbox_.take(sub);
  const auto pub = connected("pub");
  publish(pub, "e/1", "exactly once", QoS::k2, false, 1);
  ASSERT_TRUE(store_->flush_now());
  const auto packets = outbox_.take(sub);
  const auto got = publishes(packets);
  ASSERT_EQ(got.size(), 1u);
  protocol::Pubrec rec;
  rec.packet_id = got[0].packet_id;
  engine().pubrec(sub, rec, now_);
  // Were PUBREL sent before the phase is stored, a crash now would send the
  // PUBLISH again to a client that has already released its identifier.
  EXPECT_TRUE(outbox_.take(sub).empty());
  ASSERT_TRUE(store_->flush_now());
  ASSERT_EQ(types(outbox_.take(sub)), std::vector<protocol::PacketType>{protocol::PacketType::kPubrel});
}

TEST_F(StrictStoreTest, WithNothingToStoreAndNothingHeldTheAckIsImmediate) {
  const auto pub = connected("pub");
  publish(pub, "nobody/listens", "x", QoS::k1, false, 5);
  const auto packets = outbox_.take(pub);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(engine().held_acks(), 0u);
}

TEST_F(StrictStoreTest, AnAckForAConnectionThatEndedIsDropped) {
  offline_subscriber("keeper", "q/#");
  ASSERT_TRUE(store_->flush_now());
  const auto pub = connected("pub");
  publish(pub, "q/1", "stored", QoS::k1, false, 9);
  engine().connection_lost(pub, now_);
  ASSERT_TRUE(store_->flush_now());
  EXPECT_TRUE(outbox_.take(pub).empty());
  EXPECT_EQ(engine().held_acks(), 0u);
}

TEST_F(StrictStoreTest, AFailedCommitHoldsTheAckUntilARetrySucceeds) {
  offline_subscriber("keeper", "q/#");
  ASSERT_TRUE(store_->flush_now());
  store_->set_max_page_count(8);
  const auto pub = connected("pub");
  const std::string big(64 * 1024, 'x');
  publish(pub, "q/1", big, QoS::k1, false, 4);
  EXPECT_FALSE(store_->flush_now());
  EXPECT_TRUE(outbox_.take(pub).empty());
  store_->set_max_page_count(0);
  ASSERT_TRUE(store_->flush_now());
  ASSERT_EQ(outbox_.take(pub).size(), 1u);
}

}  // namespace
}  // namespace roost::store
