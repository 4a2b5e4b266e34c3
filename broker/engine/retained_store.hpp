#pragma once
// RetainedStore: topic name -> the last retained message, queried with a
// topic filter when a subscription is made ([MQTT-3.3.1-5]).

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "engine/message.hpp"
#include "engine/topic_levels.hpp"

namespace roost::engine {

class RetainedStore {
 public:
  RetainedStore();
  ~RetainedStore();

  // Stores `message` for its topic, replacing the previous one; a message
  // with an empty payload removes it instead [MQTT-3.3.1-6], [MQTT-3.3.1-7].
  void set(const MessageRef& message);

  // Appends the retained messages whose topics match `filter` (not a shared
  // filter) to `out`; expired ones are removed instead.
  void match(std::string_view filter, core::TimePoint now, std::vector<MessageRef>& out);

  std::size_t size() const noexcept { return size_; }
  std::size_t payload_bytes() const noexcept { return bytes_; }

 private:
  struct Node {
    ChildMap<Node> children;
    MessageRef message;
  };

  void walk(Node& node, std::size_t depth, core::TimePoint now, std::vector<MessageRef>& out);
  void take_all(Node& node, core::TimePoint now, std::vector<MessageRef>& out);
  bool take(Node& node, core::TimePoint now, std::vector<MessageRef>& out);
  bool erase(Node& node, std::size_t depth);

  Node root_;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
  std::vector<std::string_view> levels_;  // scratch
};

}  // namespace roost::engine
