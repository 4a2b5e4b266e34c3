// roost-loadgen: drives any MQTT broker with publishers and subscribers and
// measures delivered messages per second, loss, duplicates, order and
// latency. Blocking sockets, one thread per client; run it on a core the
// broker does not use (scripts/bench pins both).
//
//   roost_loadgen --port P --scenario fan-in|pairs|fan-out --qos 0|1|2
//                 [--seconds 5] [--rate N] [--payload 64] [--window 100]
//   roost_loadgen --port P --scenario idle --connections 10000
//   roost_loadgen --port P --scenario retained --messages 100000
//   roost_loadgen --port P --scenario offline --qos 1|2 [--seconds 5]
//                 [--phase fill|drain|both] [--id NAME]
//       (one publisher to a persistent subscriber that is offline; then
//       the subscriber comes back and counts what was queued; the phases
//       may run as separate calls with the same --id)
//   roost_loadgen --port P --scenario retained-updates --qos 0|1|2 [--topics 100]
//       (one publisher replacing retained messages on `topics` topics)
//   roost_loadgen --port P --scenario connect [--seconds 5] [--threads 4]
//       (`threads` threads each connecting, CONNECT/CONNACK, DISCONNECT and
//       closing, over and over: connections set up per second)
// Every scenario speaks TLS with --tls CAFILE (the server certificate is
// checked against CAFILE; no client certificate).
//
// Prints one JSON object per run on stdout.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "loadgen_client.hpp"

namespace {

using namespace roost::loadgen;

struct Options {
  int port = 1883;
  std::string scenario = "fan-in";
  int qos = 0;
  double seconds = 5;
  double rate = 0;  // messages/s per publisher; 0: as fast as possible
  std::size_t payload = 64;
  std::size_t window = 100;  // QoS 1/2 messages in flight per publisher
  int connections = 10000;
  int threads = 4;  // connect: threads connecting at once
  int messages = 100000;
  int topics = 100;            // retained-updates: topics the publisher rotates over
  std::string phase = "both";  // offline: fill, drain or both
  std::string id;              // offline: the subscriber's client id
};

// What a subscriber saw from each publisher.
struct SubscriberStats {
  std::uint64_t received = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::vector<std::uint64_t> latencies_ns;
  std::map<std::uint32_t, std::uint64_t> next_seq;  // per publisher
  // latency at QoS 1: when each message (by sequence number) arrived, and its latency
  std::vector<std::uint64_t> arrival_ns;
  std::vector<std::uint64_t> latency_by_seq_ns;
};

struct Payload {
  std::uint32_t publisher;
  std::uint64_t seq;
  std::uint64_t sent_ns;
};

// Queues a subscriber's answer to `p`: PUBACK, PUBREC or PUBCOMP.
void acknowledge(Client& c, const Packet& p) {
  if (const auto* pub = std::get_if<Publish>(&p.body)) {
    if (pub->qos == QoS::k1) {
      Puback a;
      a.packet_id = pub->packet_id;
      c.queue(a);
    } else if (pub->qos == QoS::k2) {
      Pubrec r;
      r.packet_id = pub->packet_id;
      c.queue(r);
    }
  } else if (const auto* rel = std::get_if<Pubrel>(&p.body)) {
    Pubcomp comp;
    comp.packet_id = rel->packet_id;
    c.queue(comp);
  }
}

void run_subscriber(Client& c, int qos, const std::atomic<bool>& stop, SubscriberStats& stats) {
  c.set_timeout(0.2);
  Packet p;
  while (!stop.load()) {
    if (!c.read(p)) continue;
    if (const auto* pub = std::get_if<Publish>(&p.body)) {
      Payload h{};
      std::memcpy(&h, pub->payload.data(), sizeof h);
      ++stats.received;
      const std::uint64_t arrived = now_ns();
      if (stats.latencies_ns.size() < 200'000) stats.latencies_ns.push_back(arrived - h.sent_ns);
      if (h.seq < stats.arrival_ns.size()) {
        stats.arrival_ns[h.seq] = arrived;
        stats.latency_by_seq_ns[h.seq] = arrived - h.sent_ns;
      }
      auto& next = stats.next_seq[h.publisher];
      if (h.seq < next) {
        ++stats.duplicates;
      } else {
        if (h.seq > next && qos > 0) ++stats.out_of_order;  // a gap at QoS 1/2 is loss or disorder
        next = h.seq + 1;
      }
    }
    acknowledge(c, p);
  }
}

// Publishes numbered messages until `deadline`; QoS 1/2 keep `window` in
// flight. With `topics` > 0 the topic is `topic/<seq % topics>`, retained.
// `ack_ns` (if given) records when each packet id's PUBACK arrived.
std::uint64_t run_publisher(Client& c, std::uint32_t index, const std::string& topic, const Options& o,
                            Clock::time_point deadline, int topics = 0, std::vector<std::uint64_t>* ack_ns = nullptr) {
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<bool> done{false};
  const auto on_ack = [&](const Packet& p) {
    if (std::holds_alternative<Puback>(p.body) || std::holds_alternative<Pubcomp>(p.body)) {
      if (const auto* ack = std::get_if<Puback>(&p.body); ack != nullptr && ack_ns != nullptr) {
        (*ack_ns)[ack->packet_id] = now_ns();
      }
      --in_flight;
    } else if (const auto* rec = std::get_if<Pubrec>(&p.body)) {
      Pubrel rel;
      rel.packet_id = rec->packet_id;
      c.queue(rel);
    }
  };
  // A paced publisher reads its acknowledgements between sends: a PUBACK
  // then wakes no thread of the load generator, whose core the subscriber
  // shares, so the latency measured is the broker's.
  const bool inline_acks = o.qos > 0 && o.rate > 0;
  const auto drain_acks = [&] {
    Packet p;
    while (c.read(p, false)) on_ack(p);
  };
  std::thread acks;
  if (o.qos > 0 && !inline_acks) {
    c.set_timeout(0.2);
    acks = std::thread([&] {
      Packet p;
      while (!done.load() || in_flight.load() > 0) {
        if (!c.read(p)) {
          if (done.load()) break;
          continue;
        }
        on_ack(p);
      }
    });
  }
  std::string payload(std::max<std::size_t>(o.payload, sizeof(Payload)), 'x');
  std::uint64_t seq = 0;
  std::uint16_t packet_id = 0;
  const auto start = Clock::now();
  while (Clock::now() < deadline) {
    // Small batches keep QoS 0 fast without starving the clock check.
    for (int batch = 0; batch < 16; ++batch) {
      if (o.qos > 0 && in_flight.load() >= o.window) break;
      if (o.rate > 0) {
        const auto due =
            start + std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * static_cast<double>(seq) / o.rate));
        if (Clock::now() < due) break;
      }
      const Payload h{index, seq++, now_ns()};
      std::memcpy(payload.data(), &h, sizeof h);
      Publish p;
      std::string rotating;
      if (topics > 0) {
        rotating = topic + "/" + std::to_string((seq - 1) % static_cast<std::uint64_t>(topics));
        p.topic = rotating;
        p.retain = true;
      } else {
        p.topic = topic;
      }
      p.qos = static_cast<QoS>(o.qos);
      if (o.qos > 0) {
        packet_id = static_cast<std::uint16_t>(packet_id == 65535 ? 1 : packet_id + 1);
        p.packet_id = packet_id;
        ++in_flight;
      }
      p.payload = roost::core::as_bytes(payload);
      c.queue(p);
    }
    c.flush();
    if (o.rate > 0 || (o.qos > 0 && in_flight.load() >= o.window))
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    if (inline_acks) drain_acks();
  }
  // Let the last QoS 1/2 messages complete (bounded).
  const auto drain_deadline = Clock::now() + std::chrono::seconds(5);
  while (o.qos > 0 && in_flight.load() > 0 && Clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (inline_acks) {
      drain_acks();
      c.flush();
    }
  }
  done = true;
  if (acks.joinable()) acks.join();
  return seq;
}

std::uint64_t percentile(std::vector<std::uint64_t>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

// JSON fields for the latency scenario at QoS 1: the share of messages whose
// PUBACK reached the publisher before the message reached the subscriber
// (`ack_ns` by packet id = sequence + 1), and the p99 of each group.
std::string puback_order_json(const SubscriberStats& s, const std::vector<std::uint64_t>& ack_ns) {
  std::vector<std::uint64_t> ack_first, message_first;
  for (std::size_t seq = 0; seq < s.arrival_ns.size(); ++seq) {
    const std::uint64_t ack = ack_ns[seq + 1];
    if (s.arrival_ns[seq] == 0 || ack == 0) continue;
    (ack < s.arrival_ns[seq] ? ack_first : message_first).push_back(s.latency_by_seq_ns[seq]);
  }
  const double n = static_cast<double>(ack_first.size() + message_first.size());
  return ",\"puback_first_percent\":" + std::to_string(n == 0 ? 0 : 100.0 * static_cast<double>(ack_first.size()) / n) +
         ",\"p99_us_puback_first\":" + std::to_string(static_cast<double>(percentile(ack_first, 0.99)) / 1e3) +
         ",\"p99_us_message_first\":" + std::to_string(static_cast<double>(percentile(message_first, 0.99)) / 1e3);
}

void traffic(const Options& o) {
  int publishers = 4;
  int subscribers = 1;
  if (o.scenario == "pairs") subscribers = 4;
  if (o.scenario == "fan-out") {
    publishers = 1;
    subscribers = 16;
  }
  if (o.scenario == "latency") {
    publishers = 1;
    subscribers = 1;
  }
  const std::string run = std::to_string(now_ns() % 1000000);
  std::vector<std::unique_ptr<Client>> subs;
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_unique<Client>(o.port, "lg-sub-" + run + "-" + std::to_string(i)));
    const std::string filter = o.scenario == "pairs" ? "bench/" + run + "/" + std::to_string(i) : "bench/" + run + "/+";
    subs.back()->subscribe(filter, o.qos);
  }
  std::vector<std::unique_ptr<Client>> pubs;
  for (int i = 0; i < publishers; ++i) {
    pubs.push_back(std::make_unique<Client>(o.port, "lg-pub-" + run + "-" + std::to_string(i)));
  }
  std::atomic<bool> stop{false};
  std::vector<SubscriberStats> stats(static_cast<std::size_t>(subscribers));
  // Latency at QoS 1: which reached the load generator first, the message or
  // its publisher's PUBACK (both wake a thread on the load generator's core).
  const bool order_probe = o.scenario == "latency" && o.qos == 1;
  constexpr std::size_t kProbed = 65535;  // packet id = sequence + 1 until it wraps
  std::vector<std::uint64_t> ack_ns;
  if (order_probe) {
    ack_ns.assign(kProbed + 1, 0);
    stats[0].arrival_ns.assign(kProbed - 1, 0);
    stats[0].latency_by_seq_ns.assign(kProbed - 1, 0);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < subscribers; ++i) {
    threads.emplace_back([&, i] {
      run_subscriber(*subs[static_cast<std::size_t>(i)], o.qos, stop, stats[static_cast<std::size_t>(i)]);
    });
  }
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<std::uint64_t> sent(static_cast<std::size_t>(publishers));
  std::vector<std::thread> pub_threads;
  for (int i = 0; i < publishers; ++i) {
    pub_threads.emplace_back([&, i] {
      const std::string topic = "bench/" + run + "/" + std::to_string(i);
      sent[static_cast<std::size_t>(i)] =
          run_publisher(*pubs[static_cast<std::size_t>(i)], static_cast<std::uint32_t>(i), topic, o, deadline, 0,
                        order_probe ? &ack_ns : nullptr);
    });
  }
  for (auto& t : pub_threads) t.join();
  // Give in-transit messages a moment to arrive, then stop counting.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count() - 0.5;
  stop = true;
  for (auto& t : threads) t.join();

  std::uint64_t total_sent = 0;
  for (auto s : sent) total_sent += s;
  std::uint64_t received = 0, duplicates = 0, disorder = 0;
  std::vector<std::uint64_t> lat;
  for (auto& s : stats) {
    received += s.received;
    duplicates += s.duplicates;
    disorder += s.out_of_order;
    lat.insert(lat.end(), s.latencies_ns.begin(), s.latencies_ns.end());
  }
  const std::string order = order_probe ? puback_order_json(stats[0], ack_ns) : std::string();
  // Every subscriber should get every message of its matching publishers.
  const std::uint64_t expected = o.scenario == "fan-out" ? total_sent * 16 : total_sent;
  const double loss =
      expected == 0 ? 0 : 100.0 * (1.0 - static_cast<double>(received - duplicates) / static_cast<double>(expected));
  std::printf(
      "{\"scenario\":\"%s\",\"qos\":%d,\"sent\":%llu,\"expected\":%llu,\"received\":%llu,\"duplicates\":%llu,"
      "\"gaps\":%llu,\"loss_percent\":%.3f,\"delivered_per_s\":%.0f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,"
      "\"p999_us\":%.1f,\"max_us\":%.1f%s}\n",
      o.scenario.c_str(), o.qos, static_cast<unsigned long long>(total_sent), static_cast<unsigned long long>(expected),
      static_cast<unsigned long long>(received), static_cast<unsigned long long>(duplicates),
      static_cast<unsigned long long>(disorder), loss, static_cast<double>(received) / elapsed,
      static_cast<double>(percentile(lat, 0.5)) / 1e3, static_cast<double>(percentile(lat, 0.9)) / 1e3,
      static_cast<double>(percentile(lat, 0.99)) / 1e3, static_cast<double>(percentile(lat, 0.999)) / 1e3,
      static_cast<double>(lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end())) / 1e3, order.c_str());
}

// Opens `connections` idle subscribed clients and holds them until stdin closes or 10 s pass.
void idle(const Options& o) {
  std::vector<std::unique_ptr<Client>> clients;
  const auto start = Clock::now();
  for (int i = 0; i < o.connections; ++i) {
    clients.push_back(std::make_unique<Client>(o.port, "idle-" + std::to_string(i)));
    clients.back()->subscribe("idle/" + std::to_string(i) + "/cmd", 1);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"scenario\":\"idle\",\"connections\":%d,\"connect_subscribe_per_s\":%.0f}\n", o.connections,
              static_cast<double>(o.connections) / elapsed);
  std::fflush(stdout);
  // The caller measures the broker's memory now; it closes our stdin when done.
  char buf[16];
  [[maybe_unused]] const ssize_t n = ::read(0, buf, sizeof buf);
}

// Stores `messages` retained messages, then times a new '#' subscriber receiving them all.
void retained(const Options& o) {
  const std::string run = std::to_string(now_ns() % 1000000);
  {
    Client pub(o.port, "ret-pub-" + run);
    std::string payload(o.payload, 'r');
    for (int i = 0; i < o.messages; ++i) {
      Publish p;
      const std::string topic = "ret/" + run + "/" + std::to_string(i / 1000) + "/" + std::to_string(i);
      p.topic = topic;
      p.retain = true;
      p.payload = roost::core::as_bytes(payload);
      pub.queue(p);
      if (i % 256 == 255) pub.flush();
    }
    pub.flush();
    // A round trip makes sure all were processed.
    pub.subscribe("ret-sync/" + run, 0);
  }
  Client sub(o.port, "ret-sub-" + run);
  sub.set_timeout(10);
  const auto start = Clock::now();
  sub.subscribe("ret/" + run + "/#", 0);
  int got = 0;
  Packet p;
  while (got < o.messages && sub.read(p)) {
    if (std::holds_alternative<Publish>(p.body)) ++got;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"scenario\":\"retained\",\"messages\":%d,\"received\":%d,\"seconds\":%.3f}\n", o.messages, got,
              elapsed);
}

// One publisher to a persistent (clean session 0) subscriber that is
// offline: the broker stores every message. Acknowledged messages per
// second, then how many the subscriber gets when it comes back.
void offline(const Options& o) {
  const std::string run = o.id.empty() ? "lg-offline-" + std::to_string(now_ns() % 1000000) : o.id;
  const std::string topic = "bench/" + run;
  if (o.phase != "drain") {
    {
      Client sub(o.port, run, false);
      sub.subscribe(topic + "/+", o.qos);
      sub.send(Disconnect{});
    }
    Client pub(o.port, run + "-pub");
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
    const std::uint64_t sent = run_publisher(pub, 0, topic + "/0", o, deadline);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    pub.send(Disconnect{});
    std::printf("{\"scenario\":\"offline\",\"phase\":\"fill\",\"qos\":%d,\"sent\":%llu,\"acked_per_s\":%.0f}\n", o.qos,
                static_cast<unsigned long long>(sent), static_cast<double>(sent) / elapsed);
    std::fflush(stdout);
  }
  if (o.phase == "fill") return;
  // The subscriber comes back for its queue (acknowledging as it goes).
  std::uint64_t received = 0;
  {
    Client sub(o.port, run, false);
    sub.set_timeout(2);
    Packet p;
    while (sub.read(p)) {
      if (std::holds_alternative<Publish>(p.body)) ++received;
      acknowledge(sub, p);
    }
    sub.flush();
    sub.send(Disconnect{});
  }
  { Client gone(o.port, run, true); }  // the session ends: the store is left as it was
  std::printf("{\"scenario\":\"offline\",\"phase\":\"drain\",\"qos\":%d,\"received\":%llu}\n", o.qos,
              static_cast<unsigned long long>(received));
}

// One publisher replacing retained messages on `topics` topics.
void retained_updates(const Options& o) {
  const std::string run = std::to_string(now_ns() % 1000000);
  Client pub(o.port, "lg-retained-pub-" + run);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  const std::uint64_t sent = run_publisher(pub, 0, "bench/" + run, o, deadline, o.topics);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  pub.send(Disconnect{});
  std::printf("{\"scenario\":\"retained-updates\",\"qos\":%d,\"topics\":%d,\"sent\":%llu,\"per_s\":%.0f}\n", o.qos,
              o.topics, static_cast<unsigned long long>(sent), static_cast<double>(sent) / elapsed);
}

// `connections` threads connect and disconnect as fast as they can.
void connect_rate(const Options& o) {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> failed{0};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; Clock::now() < deadline; ++i) {
        try {
          Client c(o.port, "lg-conn-" + std::to_string(t) + "-" + std::to_string(i));
          c.send(Disconnect{});
          ++done;
        } catch (const std::exception&) {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"scenario\":\"connect\",\"tls\":%s,\"connections\":%llu,\"failed\":%llu,\"per_s\":%.0f}\n",
              g_tls != nullptr ? "true" : "false", static_cast<unsigned long long>(done.load()),
              static_cast<unsigned long long>(failed.load()), static_cast<double>(done.load()) / elapsed);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--port")
      o.port = std::stoi(v);
    else if (k == "--scenario")
      o.scenario = v;
    else if (k == "--qos")
      o.qos = std::stoi(v);
    else if (k == "--seconds")
      o.seconds = std::stod(v);
    else if (k == "--rate")
      o.rate = std::stod(v);
    else if (k == "--payload")
      o.payload = static_cast<std::size_t>(std::stoul(v));
    else if (k == "--window")
      o.window = static_cast<std::size_t>(std::stoul(v));
    else if (k == "--connections")
      o.connections = std::stoi(v);
    else if (k == "--threads")
      o.threads = std::max(1, std::stoi(v));
    else if (k == "--messages")
      o.messages = std::stoi(v);
    else if (k == "--phase")
      o.phase = v;
    else if (k == "--id")
      o.id = v;
    else if (k == "--topics")
      o.topics = std::max(1, std::stoi(v));
    else if (k == "--tls") {
      wolfSSL_Init();
      g_tls = wolfSSL_CTX_new(wolfSSLv23_client_method());
      if (g_tls == nullptr || wolfSSL_CTX_load_verify_locations(g_tls, v.c_str(), nullptr) != WOLFSSL_SUCCESS) {
        std::fprintf(stderr, "cannot load the CA %s\n", v.c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    if (o.scenario == "idle") {
      idle(o);
    } else if (o.scenario == "retained") {
      retained(o);
    } else if (o.scenario == "offline") {
      offline(o);
    } else if (o.scenario == "retained-updates") {
      retained_updates(o);
    } else if (o.scenario == "connect") {
      connect_rate(o);
    } else {
      traffic(o);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roost_loadgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
