#pragma once
// PasswordFile: Mosquitto's password file, read as it is: one
// `username:hash` per line (the hash in any PasswordHash format), blank lines
// and lines starting with '#' ignored. Immutable once read; shared between
// threads by pointer.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/password_hash.hpp"
#include "core/result.hpp"

namespace roost::auth {

struct PasswordEntry {
  std::string username;
  PasswordHash hash;
  std::string stored;  // the hash as written: a reload that changes it ends the user's connections
};

class PasswordFile {
 public:
  // Every problem names `source`:line. A user listed twice is an error.
  static core::Result<PasswordFile, std::string> parse(std::string_view text, std::string_view source);
  static core::Result<PasswordFile, std::string> load(const std::string& path);

  const PasswordEntry* find(std::string_view username) const noexcept;
  std::size_t size() const noexcept { return entries_.size(); }
  void add(PasswordEntry entry);
  // Every entry, sorted by user name.
  std::vector<const PasswordEntry*> entries() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, PasswordEntry, Hash, std::equal_to<>> entries_;
};

// Splits a password file line into user and the rest at the first ':'.
// False for blank lines and comments.
bool split_password_line(std::string_view line, std::string_view& user, std::string_view& rest) noexcept;

// Reads a whole file; throws std::runtime_error naming it when it cannot.
std::string read_file(const std::string& path);

// Reads the file at `path` and parses it with T::parse(text, path).
template <class T>
core::Result<T, std::string> load_file(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception& e) {
    return core::fail(std::string(e.what()));
  }
  return T::parse(text, path);
}

}  // namespace roost::auth
