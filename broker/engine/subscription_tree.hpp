#pragma once
// SubscriptionTree: topic filter -> subscribers, queried with a topic name.
// A trie by level with dedicated '+' and '#' children; wildcards at the
// first level never match a topic that starts with '$' [MQTT-4.7.2-1].
// Shared subscriptions ([MQTT-4.8.2]) live in their filter's node as groups.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/session.hpp"
#include "engine/topic_levels.hpp"

namespace roost::engine {

struct Subscriber {
  Session* session = nullptr;
  SubscriptionOptions options;
};

// One subscription that matched a topic.
struct Match {
  Session* session;
  const SubscriptionOptions* options;
  bool shared;
};

class SubscriptionTree {
 public:
  SubscriptionTree();
  ~SubscriptionTree();

  // Adds `session`'s subscription to `filter` (valid; maybe "$share/<name>/<f>"),
  // or replaces its options. Returns true when it replaced one.
  bool add(std::string_view filter, Session* session, const SubscriptionOptions& options);

  // Removes `session`'s subscription to `filter`; false if it had none.
  bool remove(std::string_view filter, Session* session);

  // Appends to `out` every plain subscription matching `topic`, and for each
  // matching shared group one member, chosen round-robin among members that
  // are online with room in their window (or any member if none is).
  void match(std::string_view topic, std::vector<Match>& out);

  // Number of subscriptions held.
  std::size_t size() const noexcept { return size_; }

 private:
  struct SharedGroup {
    std::string name;
    std::vector<Subscriber> members;
    std::size_t next = 0;
  };
  struct Node {
    ChildMap<Node> children;
    std::unique_ptr<Node> plus;
    std::unique_ptr<Node> hash;
    std::vector<Subscriber> subscribers;
    std::unique_ptr<std::vector<SharedGroup>> shared;  // rare: allocated with the first group
    bool empty() const noexcept { return children.empty() && !plus && !hash && subscribers.empty() && !shared; }
  };

  Node* find_or_create(const std::vector<std::string_view>& levels);
  bool remove_at(Node& node, std::size_t depth, std::string_view share, Session* session);
  static void collect(Node& node, std::vector<Match>& out, std::vector<SharedGroup*>& groups);
  void match_level(Node& node, std::size_t depth, std::vector<Match>& out);

  Node root_;
  std::size_t size_ = 0;
  std::vector<std::string_view> levels_;      // scratch
  std::vector<SharedGroup*> shared_matches_;  // scratch
};

}  // namespace roost::engine
