#include "addon/supervisor.hpp"

#include <cstdlib>
#include <memory>
#include <unistd.h>

namespace roost::addon {
namespace {

using core::LogType;
using nlohmann::json;
constexpr std::chrono::seconds kCallTimeout{5};

SupervisorReply to_reply(std::optional<net::HttpResponse> response, std::string error) {
  SupervisorReply r;
  if (!response) {
    r.error = std::move(error);
    return r;
  }
  r.status = response->status;
  r.body = json::parse(response->body, nullptr, false);
  if (r.body.is_discarded()) r.body = nullptr;
  if (r.status != 200) {
    const auto message = r.body.is_object() ? r.body.find("message") : r.body.end();
    r.error = message != r.body.end() && message->is_string() ? message->get<std::string>()
                                                              : "HTTP status " + std::to_string(r.status);
  }
  return r;
}

// The slug of the app that provides a service (v1 says "addon", v2 "app").
std::string provider_of(const json& data) {
  for (const char* key : {"addon", "app"}) {
    const auto it = data.find(key);
    if (it != data.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

const json& data_of(const SupervisorReply& r) {
  static const json empty = json::object();
  if (!r.body.is_object()) return empty;
  const auto it = r.body.find("data");
  return it != r.body.end() && it->is_object() ? *it : empty;
}

// Finds this add-on's own slug (GET /addons/self/info).
void own_slug(Supervisor& s, std::function<void(std::string)> done) {
  s.call("GET", "/addons/self/info", nullptr, kCallTimeout, [done = std::move(done)](const SupervisorReply& r) {
    const json& data = data_of(r);
    const auto slug = data.find("slug");
    done(slug != data.end() && slug->is_string() ? slug->get<std::string>() : std::string());
  });
}

}  // namespace

std::string supervisor_token_from_env() {
  for (const char* name : {"SUPERVISOR_TOKEN", "HASSIO_TOKEN"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return {};
}

void Supervisor::call(std::string method, std::string target, const json& body, std::chrono::milliseconds timeout,
                      Done done) {
  net::HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers.emplace_back("X-Supervisor-Token", token_);
  request.headers.emplace_back("Accept", "application/json");
  if (!body.is_null()) {
    request.headers.emplace_back("Content-Type", "application/json");
    try {
      request.body = body.dump();
    } catch (const nlohmann::json::exception& e) {  // text that is not UTF-8
      SupervisorReply r;
      r.error = std::string("cannot encode the request: ") + e.what();
      return done(std::move(r));
    }
  }
  net::http_request(io_, url_, request, timeout,
                    [done = std::move(done)](std::optional<net::HttpResponse> response, std::string error) {
                      done(to_reply(std::move(response), std::move(error)));
                    });
}

void Supervisor::auth(const std::string& username, const std::string& password, std::chrono::milliseconds timeout,
                      Done done) {
  call("POST", "/auth", json{{"username", username}, {"password", password}}, timeout, std::move(done));
}

json service_payload(const ServiceInfo& info, bool for_discovery) {
  json config{{"host", info.host},
              {"port", info.port},
              {"ssl", false},
              {"protocol", "3.1.1"},
              {"username", for_discovery ? "homeassistant" : "addons"},
              {"password", for_discovery ? info.homeassistant_password : info.addons_password}};
  if (!for_discovery) return config;
  return json{{"service", "mqtt"}, {"config", std::move(config)}};
}

void register_service(Supervisor& s, const ServiceInfo& info, const core::Logger& log,
                      std::function<void(bool ok)> done) {
  auto finish = std::make_shared<std::function<void(bool)>>(std::move(done));
  auto discovery = [&s, info, log, finish](bool service_ok) {
    s.call("POST", "/discovery", service_payload(info, true), kCallTimeout,
           [log, finish, service_ok](const SupervisorReply& r) {
             if (r.ok()) {
               log.log(LogType::kNotice, "Sent the discovery message to Home Assistant (user homeassistant)");
             } else {
               log.log(LogType::kError, "Discovery message refused by the Supervisor: " + r.error);
             }
             (*finish)(service_ok && r.ok());
           });
  };
  auto publish = [&s, info, log, discovery] {
    s.call("POST", "/services/mqtt", service_payload(info, false), kCallTimeout,
           [log, discovery](const SupervisorReply& r) {
             if (r.ok()) {
               log.log(LogType::kNotice, "Registered the mqtt service with the Supervisor (user addons)");
             } else {
               log.log(LogType::kError, "The Supervisor refused the mqtt service registration: " + r.error);
             }
             discovery(r.ok());
           });
  };
  own_slug(s, [&s, log, publish](const std::string& self) {
    s.call("GET", "/services/mqtt", nullptr, kCallTimeout, [&s, log, publish, self](const SupervisorReply& current) {
      if (current.status == 400) return publish();  // "Service not enabled": nobody provides it
      // Otherwise (ours, another broker's, or no clear answer) delete first:
      // a stale registration would make the POST fail.
      const std::string provider = provider_of(data_of(current));
      if (current.ok() && !provider.empty() && !self.empty() && provider != self) {
        log.log(LogType::kWarning, "Another MQTT broker (" + provider +
                                       ") had registered the mqtt service; Roost takes it over. Stop or "
                                       "uninstall that app so that Home Assistant and add-ons use one broker.");
      }
      s.call("DELETE", "/services/mqtt", nullptr, kCallTimeout, [log, publish](const SupervisorReply& r) {
        if (!r.ok()) log.log(LogType::kWarning, "Removing the old mqtt service registration failed: " + r.error);
        publish();
      });
    });
  });
}

void withdraw_service(Supervisor& s, const core::Logger& log, std::function<void(bool ok)> done) {
  own_slug(s, [&s, log, done = std::move(done)](const std::string& self) mutable {
    s.call("GET", "/services/mqtt", nullptr, kCallTimeout,
           [&s, log, self, done = std::move(done)](const SupervisorReply& current) mutable {
             if (current.status == 400) return done(true);  // "Service not enabled": nothing to withdraw
             const std::string provider = provider_of(data_of(current));
             if (current.ok() && !provider.empty() && !self.empty() && provider != self) {
               log.log(LogType::kNotice, "The mqtt service belongs to " + provider + " now; leaving it registered");
               return done(true);
             }
             s.call("DELETE", "/services/mqtt", nullptr, kCallTimeout,
                    [log, done = std::move(done)](const SupervisorReply& r) mutable {
                      if (r.ok()) {
                        log.log(LogType::kNotice, "Withdrew the mqtt service from the Supervisor");
                      } else {
                        log.log(LogType::kError, "Withdrawing the mqtt service failed: " + r.error);
                      }
                      done(r.ok());
                    });
           });
  });
}

}  // namespace roost::addon
