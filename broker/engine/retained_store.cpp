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
    node = &node->children.get_or_create(level);
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
  Node* child = node.children.find(levels_[depth]);
  if (child == nullptr || !erase(*child, depth + 1)) return false;
  if (!child->message && child->children.empty()) node.children.erase(levels_[depth]);
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
  node.children.for_each([&](std::string_view, Node& child) { take_all(child, now, out); });
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
    node.children.for_each([&](std::string_view name, Node& child) {
      if (!(skip_dollar && !name.empty() && name.front() == '$')) take_all(child, now, out);
    });
    return;
  }
  if (level == "+") {
    node.children.for_each([&](std::string_view name, Node& child) {
      if (!(skip_dollar && !name.empty() && name.front() == '$')) walk(child, depth + 1, now, out);
    });
    return;
  }
  if (Node* child = node.children.find(level)) walk(*child, depth + 1, now, out);
}

void RetainedStore::match(std::string_view filter, core::TimePoint now, std::vector<MessageRef>& out) {
  split_levels(filter, levels_);
  walk(root_, 0, now, out);
}

}  // namespace roost::engine
