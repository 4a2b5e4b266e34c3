#include "net/sys_topics.hpp"

#include <cmath>
#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace roost::net {

namespace {

std::string number(std::uint64_t n) { return std::to_string(n); }

std::string decimal(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", d);
  return buf;
}

std::uint64_t heap_in_use() {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#else
  return 0;  // not known on this C library
#endif
}

constexpr std::string_view kPrefix = "$SYS/broker/";

}  // namespace

SysTopics::SysTopics(std::string version, core::TimePoint started) : version_(std::move(version)), started_(started) {}

void SysTopics::set(std::map<std::string, std::string>& out, const std::string& topic, std::string value) {
  out[std::string(kPrefix) + topic] = std::move(value);
}

void SysTopics::update_load(const std::string& name, std::uint64_t total, double interval_s,
                            std::map<std::string, std::string>& out) {
  Load& load = loads_[name];
  const double per_minute = static_cast<double>(total - std::min(total, load.last_total)) * 60.0 / interval_s;
  load.last_total = total;
  static constexpr double kMinutes[3] = {1, 5, 15};
  static constexpr const char* kNames[3] = {"1min", "5min", "15min"};
  for (int i = 0; i < 3; ++i) {
    const double decay = std::exp(-interval_s / (60.0 * kMinutes[i]));
    load.average[i] = load.average[i] * decay + per_minute * (1.0 - decay);
    set(out, "load/" + name + "/" + kNames[i], decimal(load.average[i]));
  }
}

void SysTopics::publish(engine::Engine& engine, const NetCounters& net, core::TimePoint now) {
  const engine::EngineStats& s = engine.stats();
  std::map<std::string, std::string> v;
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
  set(v, "version", version_);
  set(v, "uptime", std::to_string(uptime) + " seconds");
  const std::uint64_t connected = s.clients_connected;
  const std::uint64_t total = engine.session_count();
  set(v, "clients/connected", number(connected));
  set(v, "clients/active", number(connected));  // the old name, still read by some dashboards
  set(v, "clients/disconnected", number(total - std::min(total, connected)));
  set(v, "clients/inactive", number(total - std::min(total, connected)));
  set(v, "clients/total", number(total));
  set(v, "clients/maximum", number(s.clients_maximum));
  set(v, "clients/expired", number(s.sessions_expired));
  set(v, "messages/received", number(net.packets_received));
  set(v, "messages/sent", number(net.packets_sent));
  set(v, "messages/stored", number(engine.stored_messages()));
  set(v, "store/messages/count", number(engine.stored_messages()));
  set(v, "store/messages/bytes", number(engine.retained().payload_bytes()));
  set(v, "publish/messages/received", number(s.publish_received));
  set(v, "publish/messages/sent", number(s.publish_sent));
  set(v, "publish/messages/dropped", number(s.publish_dropped + net.publish_dropped));
  set(v, "bytes/received", number(net.bytes_received));
  set(v, "bytes/sent", number(net.bytes_sent));
  set(v, "subscriptions/count", number(engine.subscription_count()));
  // Roost's own: how often each configured limit refused something.
  set(v, "limits/max_connections", number(net.connections_refused));
  set(v, "limits/max_packet_size", number(net.packets_too_large));
  set(v, "limits/message_size_limit", number(s.limit_hits.message_size_limit));
  set(v, "limits/max_topic_length", number(s.limit_hits.max_topic_length));
  set(v, "limits/max_topic_levels", number(s.limit_hits.max_topic_levels));
  set(v, "limits/max_keepalive", number(s.limit_hits.max_keepalive));
  set(v, "limits/max_client_id_length", number(s.limit_hits.max_client_id_length));
  set(v, "retained messages/count", number(engine.retained().size()));
  const std::uint64_t heap = heap_in_use();
  heap_maximum_ = std::max(heap_maximum_, heap);
  set(v, "heap/current", number(heap));
  set(v, "heap/maximum", number(heap_maximum_));
  if (last_update_) {
    const double interval = std::chrono::duration<double>(now - *last_update_).count();
    if (interval > 0) {
      update_load("messages/received", net.packets_received, interval, v);
      update_load("messages/sent", net.packets_sent, interval, v);
      update_load("bytes/received", net.bytes_received, interval, v);
      update_load("bytes/sent", net.bytes_sent, interval, v);
      update_load("publish/received", s.publish_received, interval, v);
      update_load("publish/sent", s.publish_sent, interval, v);
      update_load("publish/dropped", s.publish_dropped, interval, v);
      update_load("connections", net.connections_accepted, interval, v);
      update_load("sockets", net.connections_accepted, interval, v);
    }
  } else {
    // Seed the load counters so the first averages measure one interval.
    for (const auto& [name, total_count] : {std::pair{"messages/received", net.packets_received},
                                            {"messages/sent", net.packets_sent},
                                            {"bytes/received", net.bytes_received},
                                            {"bytes/sent", net.bytes_sent},
                                            {"publish/received", s.publish_received},
                                            {"publish/sent", s.publish_sent},
                                            {"publish/dropped", s.publish_dropped},
                                            {"connections", net.connections_accepted},
                                            {"sockets", net.connections_accepted}}) {
      loads_[name].last_total = total_count;
    }
  }
  last_update_ = now;
  for (auto& [topic, value] : v) {
    const auto it = last_.find(topic);
    if (it != last_.end() && it->second == value) continue;
    engine.publish_internal(engine::Message::make(topic, core::as_bytes(value), protocol::QoS::k0, true, now), now);
    last_[topic] = value;
  }
}

}  // namespace roost::net
