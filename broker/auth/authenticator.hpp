#pragma once
// Authenticator: checks a CONNECT's user name and password, off the I/O
// threads. Local users (the password file and the TOML [[user]] entries)
// are asked first; then any further backends (the Home Assistant add-on
// adds one) in order, until one knows the user. Password hashing runs on
// a thread of its own, so a slow PBKDF2 on a Pi never stalls a connection
// that is only moving messages. Verified (user, password) pairs are cached,
// so a reconnecting client costs one hash per process, not one per
// connection. Failed logins are throttled per address (LoginThrottle).
//
// Thread-safe: every worker calls it; completion callbacks run on the
// hashing thread, a backend's thread, or the caller's (when the answer is
// known at once) and must post back to where they belong.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "auth/login_throttle.hpp"
#include "auth/password_file.hpp"
#include "core/clock.hpp"

namespace roost::auth {

enum class Verdict : std::uint8_t {
  kAllow,
  kDeny,     // the user is known here and the password is wrong
  kUnknown,  // not a user of this backend: ask the next
  kError,    // the backend could not answer (refused, never cached)
};

struct LoginRequest {
  std::string username;
  std::string password;
};

// A backend that answers later (an HTTP call, say). `done` runs once, on any
// thread; the backend must not keep it afterwards (it holds what refers back
// to the backend).
class AuthBackend {
 public:
  virtual ~AuthBackend() = default;
  virtual std::string_view name() const = 0;
  virtual void check(const LoginRequest& request, std::function<void(Verdict)> done) = 0;
};

struct LoginOutcome {
  Verdict verdict = Verdict::kDeny;
  // What vouched for the login: a hash of the password entry as stored, or
  // of the backend's name; still_valid() compares it after a reload.
  std::uint64_t credential = 0;
  bool cached = false;  // answered from the verified-pairs cache, without hashing
};

class Authenticator {
 public:
  Authenticator();
  ~Authenticator();  // stops the hashing thread; pending checks are answered kError
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The local users (null or empty: none). Verified pairs of users whose
  // entry changed are forgotten.
  void set_users(std::shared_ptr<const PasswordFile> users);
  void set_backends(std::vector<std::shared_ptr<AuthBackend>> backends);
  // Whether any user can log in with a password.
  bool has_users() const;

  // Checks `request`; `done` runs exactly once.
  void check(LoginRequest request, std::function<void(LoginOutcome)> done);
  // After a reload: whether a login that `credential` vouched for still stands.
  bool still_valid(const std::string& username, std::uint64_t credential) const;

  // The throttle (see LoginThrottle), per host.
  core::Duration wait(std::string_view address, core::TimePoint now) const;
  core::Duration failed(std::string_view address, core::TimePoint now);
  void succeeded(std::string_view address);

  // Cache bounds: when full it is emptied (refilled by the next logins).
  static constexpr std::size_t kMaxCached = 4096;
  // Logins waiting for the hashing thread; beyond it a login is refused as kError.
  static constexpr std::size_t kMaxQueued = 1024;

 private:
  struct Snapshot {
    std::shared_ptr<const PasswordFile> users;
    std::vector<std::shared_ptr<AuthBackend>> backends;
  };
  std::shared_ptr<const Snapshot> snapshot() const;
  void ask_backends(std::shared_ptr<const Snapshot> snap, std::size_t next, LoginRequest request,
                    std::function<void(LoginOutcome)> done);
  std::string cache_key(const LoginRequest& request, std::uint64_t credential) const;
  void run();

  std::vector<std::uint8_t> secret_;  // keys the cache's password digests

  // Reason for the mutex: workers read the snapshot while a reload replaces it.
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const Snapshot> snapshot_;

  // Reason for the mutex: every worker looks up and fills the cache.
  mutable std::mutex cache_mutex_;
  std::unordered_set<std::string> cache_;

  // Reason for the mutex: every worker counts failures of its clients.
  mutable std::mutex throttle_mutex_;
  LoginThrottle throttle_;

  // The hashing thread and its queue. Reason for the mutex: workers queue, the thread takes.
  std::mutex jobs_mutex_;
  std::condition_variable jobs_cv_;
  std::deque<std::function<void(bool stopping)>> jobs_;
  bool stopping_ = false;
  std::thread hasher_;
};

// A stable 64-bit digest of `text` (FNV-1a), for credential tags.
std::uint64_t fingerprint(std::string_view text) noexcept;

}  // namespace roost::auth
