#pragma once
// Talking to the Home Assistant Supervisor (its API at http://supervisor,
// authorised by the add-on's SUPERVISOR_TOKEN):
//  - register_service(): after the broker listens, publish the `mqtt`
//    service (user addons) and the discovery message (user homeassistant)
//    so Home Assistant and add-ons such as Zigbee2MQTT find the broker;
//  - withdraw_service(): at stop, remove the service if it is still ours;
//  - HomeAssistantAuth (ha_auth.hpp): Home Assistant users' logins.
// Every call is asynchronous and bounded by a timeout.

#include <asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "core/log.hpp"
#include "net/http_client.hpp"

namespace roost::addon {

// The token from the environment: SUPERVISOR_TOKEN, or the older HASSIO_TOKEN ("" when neither is set).
std::string supervisor_token_from_env();

// nlohmann::json's noexcept constructors call its invariant check, which is
// not noexcept: clang-tidy's exception-escape check cannot see that it never throws.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct SupervisorReply {
  int status = 0;       // 0: no answer (error says why)
  nlohmann::json body;  // the parsed JSON, or null
  std::string error;    // transport problem or the API's "message"
  bool ok() const noexcept { return status == 200; }
};

class Supervisor {
 public:
  Supervisor(asio::io_context& io, net::HttpUrl url, std::string token) noexcept
      : io_(io), url_(std::move(url)), token_(std::move(token)) {}

  using Done = std::function<void(SupervisorReply)>;
  // One API call; `body` null sends none. `done` runs on the io_context's thread.
  void call(std::string method, std::string target, const nlohmann::json& body, std::chrono::milliseconds timeout,
            Done done);
  // POST /auth: the token in X-Supervisor-Token, Content-Type exactly application/json,
  // and never an Authorization header (the Supervisor would read it as the user's credentials).
  void auth(const std::string& username, const std::string& password, std::chrono::milliseconds timeout, Done done);

  asio::io_context& io() noexcept { return io_; }

 private:
  asio::io_context& io_;
  net::HttpUrl url_;
  std::string token_;
};

// What the service registration publishes.
struct ServiceInfo {
  std::string host;  // the add-on's host name
  std::string addons_password;
  std::string homeassistant_password;
  int port = 1883;
};

// Runs on `supervisor`'s io_context: finds who provides `mqtt` now (warns
// when another broker, such as core_mosquitto, does), deletes that stale
// registration, POSTs /services/mqtt and /discovery. Problems are logged;
// `done(ok)` runs at the end.
void register_service(Supervisor& supervisor, const ServiceInfo& info, const core::Logger& log,
                      std::function<void(bool ok)> done);

// Deletes the `mqtt` service if this add-on provides it (never another broker's).
void withdraw_service(Supervisor& supervisor, const core::Logger& log, std::function<void(bool ok)> done);

// The `mqtt` service and discovery payloads (exactly the Supervisor's schema).
nlohmann::json service_payload(const ServiceInfo& info, bool for_discovery);

}  // namespace roost::addon
