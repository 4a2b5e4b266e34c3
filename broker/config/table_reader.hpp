#pragma once
// TableReader: reads one TOML table for the configuration, remembering which
// keys were used, so that unknown keys are reported (with their line)
// instead of silently ignored. Private to the config layer.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace roost::config::detail {

class TableReader {
 public:
  TableReader(const toml::table& table, std::string_view source, std::string path)
      : table_(table), source_(source), path_(std::move(path)) {}

  template <class T>
  void number(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    const toml::node* node = take(key);
    if (node == nullptr) return;
    const auto value = node->value<std::int64_t>();
    if (!node->is_integer() || !value) return error(*node, key, "must be a whole number");
    if (*value < min || *value > max) {
      return error(*node, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    out = static_cast<T>(*value);
  }

  void boolean(std::string_view key, bool& out) {
    const toml::node* node = take(key);
    if (node == nullptr) return;
    if (!node->is_boolean()) return error(*node, key, "must be true or false");
    out = *node->value<bool>();
  }

  void string(std::string_view key, std::string& out) {
    const toml::node* node = take(key);
    if (node == nullptr) return;
    if (!node->is_string()) return error(*node, key, "must be a string");
    out = *node->value<std::string>();
  }

  const toml::node* take(std::string_view key) {
    used_.emplace_back(key);
    return table_.get(key);
  }

  // Reports every key that was not read.
  void reject_unknown() {
    for (const auto& [key, node] : table_) {
      if (std::find(used_.begin(), used_.end(), key.str()) == used_.end()) {
        error(node, key.str(), "is not a known setting");
      }
    }
  }

  void error(const toml::node& node, std::string_view key, const std::string& what) {
    const auto& where = node.source().begin;
    errors_ += std::string(source_) + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
               (path_.empty() ? "" : path_ + ".") + std::string(key) + " " + what + "\n";
  }

  std::string& errors() { return errors_; }

 private:
  const toml::table& table_;
  std::string_view source_;
  std::string path_;
  std::vector<std::string> used_;
  std::string errors_;
};

}  // namespace roost::config::detail
