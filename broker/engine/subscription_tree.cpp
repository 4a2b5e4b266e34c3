#include "engine/subscription_tree.hpp"

#include <algorithm>
#include <optional>

#include "protocol/topic.hpp"

namespace roost::engine {

namespace {

// The filter and share name of `filter` ("" when it is not shared).
std::pair<std::string_view, std::string_view> split_share(std::string_view filter) {
  if (const auto shared = protocol::parse_shared_filter(filter)) return {shared->filter, shared->share_name};
  return {filter, {}};
}

bool has_room(const Session& s) { return s.online() && s.queue.empty() && s.inflight.size() < s.send_window; }

}  // namespace

SubscriptionTree::SubscriptionTree() = default;
SubscriptionTree::~SubscriptionTree() = default;

SubscriptionTree::Node* SubscriptionTree::find_or_create(const std::vector<std::string_view>& levels) {
  Node* node = &root_;
  for (const std::string_view level : levels) {
    std::unique_ptr<Node>* child = nullptr;
    if (level == "+") {
      child = &node->plus;
    } else if (level == "#") {
      child = &node->hash;
    } else {
      node = &node->children.get_or_create(level);
      continue;
    }
    if (!*child) *child = std::make_unique<Node>();
    node = child->get();
  }
  return node;
}

bool SubscriptionTree::add(std::string_view filter, Session* session, const SubscriptionOptions& options) {
  const auto parts = split_share(filter);
  const std::string_view share = parts.second;  // named: lambdas cannot capture bindings in clang 14
  split_levels(parts.first, levels_);
  Node* node = find_or_create(levels_);
  std::vector<Subscriber>* list = &node->subscribers;
  if (!share.empty()) {
    if (!node->shared) node->shared = std::make_unique<std::vector<SharedGroup>>();
    std::vector<SharedGroup>& groups = *node->shared;
    auto group = std::find_if(groups.begin(), groups.end(), [&](const SharedGroup& g) { return g.name == share; });
    if (group == groups.end()) {
      groups.push_back(SharedGroup{std::string(share), {}, 0});
      group = groups.end() - 1;
    }
    list = &group->members;
  }
  for (Subscriber& s : *list) {
    if (s.session == session) {
      s.options = options;
      return true;
    }
  }
  list->push_back(Subscriber{session, options});
  ++size_;
  return false;
}

bool SubscriptionTree::remove(std::string_view filter, Session* session) {
  const auto [plain, share] = split_share(filter);
  split_levels(plain, levels_);
  return remove_at(root_, 0, share, session);
}

// Removes the subscription below `node` and prunes nodes left empty.
bool SubscriptionTree::remove_at(Node& node, std::size_t depth, std::string_view share, Session* session) {
  if (depth == levels_.size()) {
    auto drop = [&](std::vector<Subscriber>& list) {
      const auto it = std::find_if(list.begin(), list.end(), [&](const Subscriber& s) { return s.session == session; });
      if (it == list.end()) return false;
      list.erase(it);
      --size_;
      return true;
    };
    if (share.empty()) return drop(node.subscribers);
    if (!node.shared) return false;
    std::vector<SharedGroup>& groups = *node.shared;
    const auto group =
        std::find_if(groups.begin(), groups.end(), [&](const SharedGroup& g) { return g.name == share; });
    if (group == groups.end() || !drop(group->members)) return false;
    if (group->members.empty()) groups.erase(group);
    if (groups.empty()) node.shared.reset();
    return true;
  }
  const std::string_view level = levels_[depth];
  if (level != "+" && level != "#") {
    Node* child = node.children.find(level);
    if (child == nullptr || !remove_at(*child, depth + 1, share, session)) return false;
    if (child->empty()) node.children.erase(level);
    return true;
  }
  std::unique_ptr<Node>& child = level == "+" ? node.plus : node.hash;
  if (!child || !remove_at(*child, depth + 1, share, session)) return false;
  if (child->empty()) child.reset();
  return true;
}

void SubscriptionTree::collect(Node& node, std::vector<Match>& out, std::vector<SharedGroup*>& groups) {
  for (const Subscriber& s : node.subscribers) out.push_back(Match{s.session, &s.options, false});
  if (node.shared) {
    for (SharedGroup& g : *node.shared) groups.push_back(&g);
  }
}

void SubscriptionTree::match_level(Node& node, std::size_t depth, std::vector<Match>& out) {
  // '$' topics are not matched by a wildcard in the first level [MQTT-4.7.2-1].
  const bool wildcards = !(depth == 0 && !levels_[0].empty() && levels_[0].front() == '$');
  // "a/#" also matches "a" [MQTT-4.7.1-2].
  if (node.hash && wildcards) collect(*node.hash, out, shared_matches_);
  if (depth == levels_.size()) {
    collect(node, out, shared_matches_);
    return;
  }
  if (node.plus && wildcards) match_level(*node.plus, depth + 1, out);
  if (Node* child = node.children.find(levels_[depth])) match_level(*child, depth + 1, out);
}

void SubscriptionTree::match(std::string_view topic, std::vector<Match>& out) {
  split_levels(topic, levels_);
  shared_matches_.clear();
  match_level(root_, 0, out);
  for (SharedGroup* g : shared_matches_) {
    // Round-robin among the members that may read the topic (authorization
    // first: a member that may not must not swallow the message), preferring
    // one that can take it now.
    const auto may_read = [topic](const Subscriber& m) {
      const Grants* grants = m.session->grants();
      return !m.options.checked || grants == nullptr || grants->can_receive(topic);
    };
    const std::size_t n = g->members.size();
    std::optional<std::size_t> pick;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t candidate = (g->next + i) % n;
      if (!may_read(g->members[candidate])) continue;
      if (!pick) pick = candidate;
      if (has_room(*g->members[candidate].session)) {
        pick = candidate;
        break;
      }
    }
    if (!pick) continue;  // nobody in the group may read it
    g->next = *pick + 1;
    const Subscriber& s = g->members[*pick];
    out.push_back(Match{s.session, &s.options, true});
  }
}

}  // namespace roost::engine
