#pragma once
// HomeAssistantAuth: logs Home Assistant users in through the Supervisor's
// POST /auth (the Authenticator asks it only about users it does not know
// itself, so the add-on's users and `logins` come first).
//  - Successes are remembered for about five minutes (300 s, +-30 s of
//    jitter so a house's devices do not all ask again at once), refusals for
//    10 s; a 5xx answer, a timeout or a refused connection is never
//    remembered and refuses the login (kError).
//  - At most kMaxInFlight calls at once; others wait in a bounded queue,
//    beyond which a login is refused (kError). The calls are asynchronous
//    on the Supervisor client's io_context (the engine's): a slow
//    Supervisor delays only the logins waiting for it.
//  - A password that is not UTF-8 is refused without a call: the
//    Supervisor's JSON cannot carry it, and no Home Assistant user has one.
//  - stop() (at shutdown) refuses what waits and anything new, so the
//    broker does not wait for more than the calls already in flight.
// Remembered pairs are keyed by a keyed SHA-512 of user and password,
// never the password itself.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "addon/supervisor.hpp"
#include "auth/authenticator.hpp"
#include "core/clock.hpp"

namespace roost::addon {

class HomeAssistantAuth : public auth::AuthBackend, public std::enable_shared_from_this<HomeAssistantAuth> {
 public:
  static constexpr std::size_t kMaxInFlight = 4;
  static constexpr std::size_t kMaxWaiting = 256;
  static constexpr std::size_t kMaxRemembered = 4096;
  static constexpr std::chrono::seconds kTimeout{5};

  HomeAssistantAuth(std::shared_ptr<Supervisor> supervisor, core::Logger log);

  std::string_view name() const override { return "home assistant"; }
  // Any thread; `done` runs on the Supervisor's io_context thread (or at once for a remembered pair).
  void check(const auth::LoginRequest& request, std::function<void(auth::Verdict)> done) override;

  // Any thread: from now on every login is answered kError at once.
  void stop();

 private:
  struct Pending {
    auth::LoginRequest request;
    std::string key;
    std::function<void(auth::Verdict)> done;
  };
  struct Remembered {
    auth::Verdict verdict = auth::Verdict::kDeny;
    core::TimePoint until;
  };
  std::string key_of(const auth::LoginRequest& request) const;
  void start(Pending p);  // on the io thread
  void answered(Pending p, const SupervisorReply& reply);

  std::shared_ptr<Supervisor> supervisor_;
  core::Logger log_;
  std::vector<std::uint8_t> secret_;
  std::atomic<bool> stopping_{false};
  // Owned by the io thread.
  std::size_t in_flight_ = 0;
  std::deque<Pending> waiting_;
  std::unordered_map<std::string, Remembered> remembered_;
};

}  // namespace roost::addon
