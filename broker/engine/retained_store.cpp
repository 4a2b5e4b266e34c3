#include "engine/retained_store.hpp"

namespace roost::engine {

RetainedStore::RetainedStore() = default;
RetainedStore::~RetainedStore() = default;

void RetainedStore::set(const MessageRef& message) {
  split_levels(message->topic(), levels_);
  if (message->payload().empty()) {
    erase(root_, 0);
    return;
  }
  Node* node = &root_;
  for (const std::string_view level : levels_) {
    auto it = node->children.find(level);
    if (it == node->children.end()) it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
    node = it->second.get();
  }
  if (node->message) {
    bytes_ -= node->message->payload().size();
  } else {
    ++size_;
  }
  node->message = message;
  bytes_ += message->payload().size();
}

// Removes the message at levels_ below `node`; prunes empty nodes.
bool RetainedStore::erase(Node& node, std::size_t depth) {
  if (depth == levels_.size()) {
    if (!node.message) return false;
    bytes_ -= node.message->payload().size();
    --size_;
    node.message.reset();
    return true;
  }
  const auto it = node.children.find(levels_[depth]);
  if (it == node.children.end() || !erase(*it->second, depth + 1)) return false;
  if (!it->second->message && it->second->children.empty()) node.children.erase(it);
  return true;
}

// Appends `node`'s message unless it expired (then drops it); true if appended.
bool RetainedStore::take(Node& node, core::TimePoint now, std::vector<MessageRef>& out) {
  if (!node.message) return false;
  if (node.message->expired(now)) {
    bytes_ -= node.message->payload().size();
    --size_;
    node.message.reset();
    return false;
  }
  out.push_back(node.message);
  return true;
}

void RetainedStore::take_all(Node& node, core::TimePoint now, std::vector<MessageRef>& out) {
  take(node, now, out);
  for (auto& [level, child] : node.children) take_all(*child, now, out);
}

void RetainedStore::walk(Node& node, std::size_t depth, core::TimePoint now, std::vector<MessageRef>& out) {
  if (depth == levels_.size()) {
    take(node, now, out);
    return;
  }
  const std::string_view level = levels_[depth];
  // A wildcard in the first level does not match '$' topics [MQTT-4.7.2-1].
  const bool skip_dollar = depth == 0;
  if (level == "#") {
    // "a/#" matches "a" and everything below it [MQTT-4.7.1-2].
    if (depth > 0) take(node, now, out);
    for (auto& [name, child] : node.children) {
      if (skip_dollar && !name.empty() && name.front() == '$') continue;
      take_all(*child, now, out);
    }
    return;
  }
  if (level == "+") {
    for (auto& [name, child] : node.children) {
      if (skip_dollar && !name.empty() && name.front() == '$') continue;
      walk(*child, depth + 1, now, out);
    }
    return;
  }
  if (const auto it = node.children.find(level); it != node.children.end()) walk(*it->second, depth + 1, now, out);
}

void RetainedStore::match(std::string_view filter, core::TimePoint now, std::vector<MessageRef>& out) {
  split_levels(filter, levels_);
  walk(root_, 0, now, out);
}

}  // namespace roost::engine
