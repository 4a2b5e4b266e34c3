#include "auth/password_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/log.hpp"

namespace roost::auth {

namespace {

std::string_view trim_line_end(std::string_view line) noexcept {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  return line;
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<const PasswordEntry*> PasswordFile::entries() const {
  std::vector<const PasswordEntry*> out;
  out.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) out.push_back(&entry);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->username < b->username; });
  return out;
}

bool split_password_line(std::string_view line, std::string_view& user, std::string_view& rest) noexcept {
  line = trim_line_end(line);
  const std::size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] == '#') return false;
  const std::size_t colon = line.find(':');
  user = line.substr(0, colon);
  rest = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  return true;
}

core::Result<PasswordFile, std::string> PasswordFile::parse(std::string_view text, std::string_view source) {
  PasswordFile file;
  std::string errors;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    std::string_view user;
    std::string_view stored;
    if (!split_password_line(line, user, stored)) continue;
    const std::string where = core::str_cat(source, ":", number, ": ");
    if (user.empty()) {
      errors += where + "a line without a user name\n";
      continue;
    }
    if (stored.empty()) {
      errors += core::str_cat(where, "user \"", user,
                              "\" has no password hash (run `roost passwd -U` on a plain-text file)\n");
      continue;
    }
    auto hash = PasswordHash::parse(stored);
    if (!hash) {
      errors += core::str_cat(where, "user \"", user, "\": ", hash.error(), "\n");
      continue;
    }
    if (file.find(user) != nullptr) {
      errors += core::str_cat(where, "user \"", user, "\" is listed twice\n");
      continue;
    }
    file.add(PasswordEntry{std::string(user), std::move(*hash), std::string(stored)});
  }
  if (!errors.empty()) {
    errors.pop_back();
    return core::fail(std::move(errors));
  }
  return file;
}

core::Result<PasswordFile, std::string> PasswordFile::load(const std::string& path) {
  return load_file<PasswordFile>(path);
}

const PasswordEntry* PasswordFile::find(std::string_view username) const noexcept {
  const auto it = entries_.find(username);
  return it == entries_.end() ? nullptr : &it->second;
}

void PasswordFile::add(PasswordEntry entry) {
  std::string key = entry.username;
  entries_.insert_or_assign(std::move(key), std::move(entry));
}

}  // namespace roost::auth
