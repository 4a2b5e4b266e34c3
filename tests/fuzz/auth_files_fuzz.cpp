// libFuzzer target for the files users bring from Mosquitto: password
// files (and the hashes in them) and ACL files.
//
// Input: byte 0 bit 0 chooses the parser (0 = password file, 1 = ACL);
// the rest is the file. Besides crashes and sanitizer reports it checks
// that a parsed password file writes its hashes back as they were read,
// and that an ACL's grants agree with themselves: what a client may
// publish or receive on a topic does not change between two asks, and a
// filter that is granted whole lets every sampled topic it matches through.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/acl.hpp"
#include "auth/password_file.hpp"
#include "protocol/topic.hpp"

namespace {

[[noreturn]] void invariant_broken() { std::abort(); }

// Hashes with absurd iteration counts would make the fuzzer slow, not find
// bugs: verification is not run here, only parsing and formatting.
void password_file(std::string_view text) {
  const auto file = roost::auth::PasswordFile::parse(text, "fuzz");
  if (!file) return;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    std::string_view user;
    std::string_view stored;
    if (!roost::auth::split_password_line(line, user, stored)) continue;
    const roost::auth::PasswordEntry* entry = file->find(user);
    if (entry == nullptr) invariant_broken();
    const auto again = roost::auth::PasswordHash::parse(entry->hash.to_string());
    if (!again || again->to_string() != entry->hash.to_string()) invariant_broken();
  }
}

void acl(std::string_view text) {
  const auto parsed = roost::auth::Acl::parse(text, "fuzz");
  if (!parsed) return;
  const std::string user = "u";
  const auto grants = parsed->grants(&user, "c");
  const auto anonymous = parsed->grants(nullptr, "c");
  static constexpr std::string_view kTopics[] = {"a", "a/b", "a/b/c", "u/c", "c/u", "$SYS/x", "b", "/", "a//b"};
  static constexpr std::string_view kFilters[] = {"#", "a/#", "a/+", "+/+", "a/b", "$SYS/#", "+", "u/#"};
  for (const auto* g : {grants.get(), anonymous.get()}) {
    for (const std::string_view topic : kTopics) {
      if (g->can_publish(topic) != g->can_publish(topic) || g->can_receive(topic) != g->can_receive(topic)) {
        invariant_broken();
      }
    }
    for (const std::string_view filter : kFilters) {
      const auto access = g->can_subscribe(filter);
      for (const std::string_view topic : kTopics) {
        if (!roost::protocol::topic_matches(filter, topic)) continue;
        if (access == roost::engine::SubscribeAccess::kGranted && !g->can_receive(topic)) invariant_broken();
        if (access == roost::engine::SubscribeAccess::kDenied && g->can_receive(topic)) invariant_broken();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    password_file(text);
  } else {
    acl(text);
  }
  return 0;
}
