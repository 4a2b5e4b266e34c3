// SubscriptionTree and RetainedStore against a brute-force reference matcher
// on random topics and filters ([MQTT-4.7]).

#include "engine/subscription_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/retained_store.hpp"
#include "protocol/topic.hpp"

namespace roost::engine {
namespace {

std::vector<std::string> levels(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return out;
    start = slash + 1;
  }
}

// The reference: [MQTT-4.7] read literally.
bool reference_match(const std::string& filter, const std::string& topic) {
  const auto f = levels(filter);
  const auto t = levels(topic);
  if (!topic.empty() && topic[0] == '$' && (f[0] == "+" || f[0] == "#")) return false;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // also matches the parent level
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return f.size() == t.size();
}

std::string random_topic(std::mt19937& rng) {
  static const char* kWords[] = {"a", "b", "c", "", "$SYS", "home"};
  std::string s;
  const int n = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += '/';
    const char* w = kWords[std::uniform_int_distribution<int>(0, 5)(rng)];
    if (i > 0 && std::string(w) == "$SYS") w = "d";
    s += w;
  }
  return s.empty() ? "a" : s;
}

std::string random_filter(std::mt19937& rng) {
  static const char* kWords[] = {"a", "b", "c", "", "+", "$SYS", "home"};
  std::string s;
  const int n = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += '/';
    if (i == n - 1 && std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
      s += '#';
    } else {
      s += kWords[std::uniform_int_distribution<int>(0, 6)(rng)];
    }
  }
  return s.empty() ? "b" : s;  // an empty filter is not valid [MQTT-4.7.3-1]
}

TEST(SubscriptionTree, MatchesLikeTheReferenceOnRandomTopicsAndFilters) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    SubscriptionTree tree;
    std::vector<std::unique_ptr<Session>> sessions;
    std::vector<std::string> filters;
    for (int i = 0; i < 40; ++i) {
      const std::string filter = random_filter(rng);
      ASSERT_TRUE(protocol::is_valid_topic_filter(filter)) << filter;
      sessions.push_back(std::make_unique<Session>("s" + std::to_string(i), static_cast<SessionId>(i + 1)));
      filters.push_back(filter);
      tree.add(filter, sessions.back().get(), SubscriptionOptions{});
    }
    EXPECT_EQ(tree.size(), 40u);
    for (int t = 0; t < 100; ++t) {
      const std::string topic = random_topic(rng);
      std::vector<Match> matches;
      tree.match(topic, matches);
      std::multiset<const Session*> got;
      for (const Match& m : matches) got.insert(m.session);
      std::multiset<const Session*> expected;
      for (std::size_t i = 0; i < filters.size(); ++i) {
        if (reference_match(filters[i], topic)) expected.insert(sessions[i].get());
      }
      ASSERT_EQ(got, expected) << "topic " << topic;
    }
    // Removing everything leaves an empty tree.
    for (std::size_t i = 0; i < filters.size(); ++i) EXPECT_TRUE(tree.remove(filters[i], sessions[i].get()));
    EXPECT_EQ(tree.size(), 0u);
    std::vector<Match> none;
    tree.match("a/b", none);
    EXPECT_TRUE(none.empty());
  }
}

TEST(SubscriptionTree, SharedGroupsAreSeparateFromPlainSubscriptions) {
  SubscriptionTree tree;
  Session a("a", SessionId{1});
  Session b("b", SessionId{2});
  EXPECT_FALSE(tree.add("$share/g/x", &a, {}));
  EXPECT_FALSE(tree.add("x", &a, {}));
  EXPECT_FALSE(tree.add("$share/h/x", &b, {}));
  EXPECT_TRUE(tree.add("x", &a, {}));  // replaces
  std::vector<Match> matches;
  tree.match("x", matches);
  EXPECT_EQ(matches.size(), 3u);  // plain a, one of group g, one of group h
  EXPECT_TRUE(tree.remove("$share/g/x", &a));
  EXPECT_FALSE(tree.remove("$share/g/x", &a));
  EXPECT_EQ(tree.size(), 2u);
}

TEST(RetainedStore, MatchesLikeTheReferenceOnRandomTopicsAndFilters) {
  std::mt19937 rng(99);
  const auto now = core::TimePoint{};
  for (int round = 0; round < 50; ++round) {
    RetainedStore store;
    std::set<std::string> topics;
    for (int i = 0; i < 30; ++i) {
      const std::string topic = random_topic(rng);
      topics.insert(topic);
      store.set(Message::make(topic, core::as_bytes("v"), protocol::QoS::k0, true, now));
    }
    EXPECT_EQ(store.size(), topics.size());
    for (int f = 0; f < 60; ++f) {
      const std::string filter = random_filter(rng);
      std::vector<MessageRef> out;
      store.match(filter, now, out);
      std::set<std::string> got;
      for (const auto& m : out) got.insert(std::string(m->topic()));
      std::set<std::string> expected;
      for (const auto& t : topics) {
        if (reference_match(filter, t)) expected.insert(t);
      }
      ASSERT_EQ(got, expected) << "filter " << filter;
    }
    for (const auto& t : topics) store.set(Message::make(t, {}, protocol::QoS::k0, true, now));
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(store.payload_bytes(), 0u);
  }
}

}  // namespace
}  // namespace roost::engine
