#pragma once
// Splitting topics and filters into levels, and the string-keyed map the
// trees use (lookups by string_view, no temporary strings).

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace roost::engine {

// Splits `s` at '/' into `out` (cleared first); "a//b" has an empty level.
inline void split_levels(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(start));
      return;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The children of a tree node by level name. Up to kSmall children live in a
// small vector searched linearly; beyond that, a hash map. Most nodes have
// no child or one (a device's own topic), and an empty hash map alone would
// cost 56 bytes, a first insert another 100 for its buckets.
template <class Node>
class ChildMap {
 public:
  static constexpr std::size_t kSmall = 8;

  bool empty() const noexcept { return small_.empty() && !map_; }

  Node* find(std::string_view level) const {
    if (map_) {
      const auto it = map_->find(level);
      return it == map_->end() ? nullptr : it->second.get();
    }
    for (const Entry& e : small_) {
      if (e.name == level) return e.node.get();
    }
    return nullptr;
  }

  // The child for `level`, created if missing.
  Node& get_or_create(std::string_view level) {
    if (Node* existing = find(level)) return *existing;
    if (!map_ && small_.size() < kSmall) {
      small_.push_back(Entry{std::string(level), std::make_unique<Node>()});
      return *small_.back().node;
    }
    if (!map_) {
      map_ = std::make_unique<Map>();
      for (Entry& e : small_) map_->emplace(std::move(e.name), std::move(e.node));
      std::vector<Entry>().swap(small_);
    }
    return *map_->emplace(std::string(level), std::make_unique<Node>()).first->second;
  }

  void erase(std::string_view level) {
    if (map_) {
      const auto it = map_->find(level);
      if (it != map_->end()) map_->erase(it);
      if (map_->empty()) map_.reset();
      return;
    }
    for (auto it = small_.begin(); it != small_.end(); ++it) {
      if (it->name == level) {
        small_.erase(it);
        break;
      }
    }
    if (small_.empty()) std::vector<Entry>().swap(small_);  // give the memory back
  }

  // Calls f(name, node) for every child.
  template <class F>
  void for_each(F&& f) const {
    if (map_) {
      for (const auto& [name, node] : *map_) f(std::string_view(name), *node);
      return;
    }
    for (const Entry& e : small_) f(std::string_view(e.name), *e.node);
  }

 private:
  struct Entry {
    std::string name;
    std::unique_ptr<Node> node;
  };
  using Map = std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>>;
  std::vector<Entry> small_;
  std::unique_ptr<Map> map_;
};

}  // namespace roost::engine
