// The Authenticator: local users first, then backends in order (answering
// later, as an HTTP backend would), the cache of verified pairs, and what a
// reload keeps valid. File checks run on the Authenticator's hashing
// thread, so these tests wait for answers on a condition variable (never a
// sleep; not std::future, which Debian's armel C++ library lacks for ARMv6).

#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace roost::auth {
namespace {

std::shared_ptr<const PasswordFile> users(std::initializer_list<std::pair<std::string, std::string>> list) {
  auto file = std::make_shared<PasswordFile>();
  for (const auto& [user, password] : list) {
    const PasswordHash h = PasswordHash::make(password, 10);
    file->add(PasswordEntry{user, h, h.to_string()});
  }
  return file;
}

LoginOutcome check(Authenticator& a, const std::string& user, const std::string& password) {
  struct Answer {
    std::mutex mutex;
    std::condition_variable arrived;
    std::optional<LoginOutcome> outcome;
  };
  auto answer = std::make_shared<Answer>();
  a.check(LoginRequest{user, password}, [answer](LoginOutcome o) {
    const std::lock_guard lock(answer->mutex);
    answer->outcome = std::move(o);
    answer->arrived.notify_all();
  });
  std::unique_lock lock(answer->mutex);
  const bool arrived =
      answer->arrived.wait_for(lock, std::chrono::seconds(10), [&] { return answer->outcome.has_value(); });
  EXPECT_TRUE(arrived) << "no answer in 10 s";
  return answer->outcome.value_or(LoginOutcome{});
}

// Answers when the test says so: the callback is kept, not run.
class LaterBackend : public AuthBackend {
 public:
  explicit LaterBackend(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  void check(const LoginRequest& request, std::function<void(Verdict)> done) override {
    asked.push_back(request.username);
    pending = std::move(done);
  }
  // Answers the pending check (dropping the callback, as a backend must:
  // it holds the Authenticator's snapshot, which holds this backend).
  void answer(Verdict v) {
    auto done = std::move(pending);
    pending = nullptr;
    done(v);
  }
  std::vector<std::string> asked;
  std::function<void(Verdict)> pending;

 private:
  std::string name_;
};

TEST(Authenticator, FileUsersAreVerifiedThenCached) {
  Authenticator a;
  a.set_users(users({{"alice", "pw"}}));
  EXPECT_TRUE(a.has_users());
  const LoginOutcome first = check(a, "alice", "pw");
  EXPECT_EQ(first.verdict, Verdict::kAllow);
  EXPECT_FALSE(first.cached);
  EXPECT_NE(first.credential, 0u);
  const LoginOutcome second = check(a, "alice", "pw");
  EXPECT_EQ(second.verdict, Verdict::kAllow);
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(check(a, "alice", "wrong").verdict, Verdict::kDeny);
  EXPECT_EQ(check(a, "nobody", "pw").verdict, Verdict::kDeny);  // no backend knows it
}

TEST(Authenticator, UnknownUsersGoToTheBackendsInOrderAndWaitForThem) {
  Authenticator a;
  a.set_users(users({{"local", "pw"}}));
  auto first = std::make_shared<LaterBackend>("first");
  auto second = std::make_shared<LaterBackend>("second");
  a.set_backends({first, second});
  std::optional<LoginOutcome> answer;
  a.check(LoginRequest{"remote", "pw"}, [&answer](LoginOutcome o) { answer = o; });
  ASSERT_EQ(first->asked, std::vector<std::string>{"remote"});
  EXPECT_FALSE(answer);  // waiting: nothing blocks meanwhile
  first->answer(Verdict::kUnknown);
  ASSERT_EQ(second->asked, std::vector<std::string>{"remote"});
  EXPECT_FALSE(answer);
  second->answer(Verdict::kAllow);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->verdict, Verdict::kAllow);
  EXPECT_EQ(answer->credential, fingerprint("second"));
  EXPECT_TRUE(a.still_valid("remote", answer->credential));
  // Local users never reach a backend.
  EXPECT_EQ(check(a, "local", "pw").verdict, Verdict::kAllow);
  EXPECT_EQ(first->asked.size(), 1u);
}

TEST(Authenticator, ABackendErrorIsRefusedAndNotRemembered) {
  Authenticator a;
  auto backend = std::make_shared<LaterBackend>("flaky");
  a.set_backends({backend});
  for (int i = 0; i < 2; ++i) {
    std::optional<LoginOutcome> answer;
    a.check(LoginRequest{"u", "p"}, [&answer](LoginOutcome o) { answer = o; });
    backend->answer(Verdict::kError);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->verdict, Verdict::kError);
  }
  EXPECT_EQ(backend->asked.size(), 2u);  // asked again: errors are never cached
}

TEST(Authenticator, AReloadKeepsUnchangedLoginsAndEndsChangedOnes) {
  Authenticator a;
  const auto before = users({{"same", "pw"}, {"changed", "pw"}, {"removed", "pw"}});
  a.set_users(before);
  const auto same = check(a, "same", "pw").credential;
  const auto changed = check(a, "changed", "pw").credential;
  const auto removed = check(a, "removed", "pw").credential;
  auto after = std::make_shared<PasswordFile>();
  after->add(*before->find("same"));
  const PasswordHash fresh = PasswordHash::make("new", 10);
  after->add(PasswordEntry{"changed", fresh, fresh.to_string()});
  a.set_users(after);
  EXPECT_TRUE(a.still_valid("same", same));
  EXPECT_FALSE(a.still_valid("changed", changed));
  EXPECT_FALSE(a.still_valid("removed", removed));
  EXPECT_FALSE(check(a, "changed", "pw").cached);
  EXPECT_EQ(check(a, "changed", "new").verdict, Verdict::kAllow);
}

}  // namespace
}  // namespace roost::auth
