// roost sub: mosquitto_sub's flags, output and exit codes.

#include "cli/sub.hpp"

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <time.h>

#include "cli/client_args.hpp"
#include "cli/sub_format.hpp"
#include "protocol/topic.hpp"

namespace roost::cli {

namespace {

constexpr int kTimedOut = 27;  // MOSQ_ERR_TIMEOUT, mosquitto_sub's exit code for -W

constexpr std::string_view kSubUsage =
    "Usage: roost sub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL [-t topic]}\n"
    "                 [-c] [-k keepalive] [-q qos] [-x session-expiry-interval]\n"
    "                 [-C msg_count] [-E] [-R] [--retained-only] [--remove-retained] [-T filter_out] [-U topic ...]\n"
    "                 [-F format] [-N] [--pretty] [-v] [-W timeout]\n"
    "                 [-A bind_address] [-i id] [-I id_prefix] [-d] [--quiet]\n"
    "                 [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]\n"
    "                 [{--cafile file | --capath dir} [--cert file] [--key file] [--ciphers ciphers]\n"
    "                  [--insecure] [--tls-alpn protocol] [--tls-use-os-certs] [--tls-version version]]\n"
    "                 [--websocket [--ws-path path]] [-D command identifier value]\n"
    "       roost sub --help\n\n";

constexpr std::string_view kSubHelp =
    " -C : disconnect and exit after receiving the 'msg_count' messages.\n"
    " -E : Exit once all subscriptions have been acknowledged by the broker.\n"
    " -F : output format.\n"
    " -N : do not add an end of line character when printing the payload.\n"
    " -R : do not print stale messages (those with retain set).\n"
    " -t : mqtt topic to subscribe to. May be repeated multiple times.\n"
    " -T : topic string to filter out of results. May be repeated.\n"
    " -U : unsubscribe from a topic. May be repeated.\n"
    " -v : print published messages verbosely.\n"
    " -W : Specifies a timeout in seconds how long to process incoming MQTT messages.\n"
    " --pretty : print formatted output rather than minimised output when using the\n"
    "            JSON output format option.\n"
    " --remove-retained : send a message to the server to clear any received retained messages\n"
    "                     Use -T to filter out messages you do not want to be cleared.\n"
    " --retained-only : only handle messages with the retained flag set, and exit when the\n"
    "                   first non-retained message is received.\n";

bool sub_takes_value(std::string_view flag) {
  return flag == "-C" || flag == "-W" || flag == "-T" || flag == "-U" || flag == "-F" || flag == "--filter-out" ||
         flag == "--unsubscribe" || flag == "--format" || flag == "--count" || flag == "--timeout";
}

struct SubArgs {
  ClientArgs client;
  OutputOptions output;
  unsigned count = 0;    // -C (0: no limit)
  unsigned timeout = 0;  // -W seconds (0: none)
  bool no_retained = false;
  bool retained_only = false;
  bool remove_retained = false;
  bool exit_after_subscribe = false;
  std::vector<std::string> filter_out;
  std::vector<std::string> unsubscribe;
};

std::string parse_sub(SubArgs& out) {
  const auto& rest = out.client.rest;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const std::string& arg = rest[i];
    // parse_client_args() made sure that flags taking a value have one.
    const std::string value = i + 1 < rest.size() ? rest[i + 1] : std::string();
    const auto number = [&](unsigned& n, unsigned min, const char* error) -> std::string {
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size() || n < min) return error;
      ++i;
      return {};
    };
    std::string error;
    if (arg == "-C" || arg == "--count") {
      error = number(out.count, 1, "Error: Invalid message count.");
    } else if (arg == "-W" || arg == "--timeout") {
      error = number(out.timeout, 1, "Error: Invalid timeout.");
    } else if (arg == "-T" || arg == "--filter-out") {
      if (!protocol::is_valid_topic_filter(value)) {
        return "Error: Invalid filter topic '" + value + "', are all '+' and '#' wildcards correct?";
      }
      out.filter_out.push_back(value);
      ++i;
    } else if (arg == "-U" || arg == "--unsubscribe") {
      if (!protocol::is_valid_topic_filter(value)) {
        return "Error: Invalid unsubscribe topic '" + value + "', are all '+' and '#' wildcards correct?";
      }
      out.unsubscribe.push_back(value);
      ++i;
    } else if (arg == "-F" || arg == "--format") {
      if (auto bad = check_format(value)) return *bad;
      out.output.format = value;
      ++i;
    } else if (arg == "-v" || arg == "--verbose") {
      out.output.verbose = true;
    } else if (arg == "-N") {
      out.output.eol = false;
    } else if (arg == "--pretty") {
      out.output.pretty = true;
    } else if (arg == "-R") {
      out.no_retained = true;
    } else if (arg == "--retained-only") {
      out.retained_only = true;
    } else if (arg == "--remove-retained") {
      out.remove_retained = true;
    } else if (arg == "-E") {
      out.exit_after_subscribe = true;
    } else {
      return "Error: Unknown option '" + arg + "'.";
    }
    if (!error.empty()) return error;
  }
  out.output.quiet = out.client.quiet;
  if (out.client.topics.empty()) return "Error: You must specify a topic to subscribe to.";
  for (const std::string& t : out.client.topics) {
    if (!protocol::is_valid_topic_filter(t)) {
      return "Error: Invalid subscription topic '" + t + "', are all '+' and '#' wildcards correct?";
    }
  }
  return {};
}

class Subscriber final : public net::MqttClient::Handler {
 public:
  Subscriber(asio::io_context& io, SubArgs& args) : io_(io), args_(args), timer_(io), retry_(io) {}

  int run(net::MqttClientOptions options) {
    options.trace = [this](bool sent, const protocol::PacketBody& p) {
      if (args_.client.debug) {
        std::printf("%s\n", debug_line(args_.client.id, args_.client.version, sent, p).c_str());
      }
    };
    options_ = std::move(options);
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([this](std::error_code ec, int) {
      if (!ec) finish(0);
    });
    if (args_.timeout > 0) {
      timer_.expires_after(std::chrono::seconds(args_.timeout));
      timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        error("Timed out");
        finish(kTimedOut);
      });
    }
    connect();
    io_.run();
    return exit_code_;
  }

  void on_connected(const protocol::Connack&) override {
    ever_connected_ = true;
    protocol::Subscribe s;
    s.properties = args_.client.subscribe_properties;
    for (const std::string& t : args_.client.topics) {
      protocol::Subscription sub;
      sub.filter = t;
      sub.max_qos = args_.client.qos;
      s.subscriptions.push_back(sub);
    }
    client_->subscribe(s, [this](const protocol::Suback& ack) { on_suback(ack); });
    if (!args_.unsubscribe.empty()) {
      protocol::Unsubscribe u;
      u.properties = args_.client.unsubscribe_properties;
      for (const std::string& t : args_.unsubscribe) u.filters.push_back(t);
      client_->unsubscribe(u, [](const protocol::Unsuback&) {});
    }
  }

  void on_message(const protocol::Packet& packet) override {
    if (finished_) return;
    const auto& p = std::get<protocol::Publish>(packet.body);
    if (args_.retained_only && !p.retain) return finish(0);
    for (const std::string& f : args_.filter_out) {
      if (protocol::topic_matches(f, p.topic)) return;
    }
    if (args_.remove_retained && p.retain && !p.payload.empty()) {
      protocol::Publish clear;
      clear.topic = p.topic;
      clear.retain = true;
      clear.qos = args_.client.qos;
      client_->publish(clear);
    }
    if (args_.no_retained && p.retain) return;
    print(p);
    if (args_.count > 0 && ++received_ >= args_.count) finish(0);
  }

  void on_closed(const std::string& why, std::optional<protocol::ReasonCode> reason) override {
    if (finished_) return stop();
    // A refusal, or no broker at the first attempt, ends the tool; once it
    // was connected, a lost connection is made again (as mosquitto_sub's
    // libmosquitto loop does), as long as the broker does not refuse it.
    if (!ever_connected_ || reason) {
      if (reason) {
        error("Connection error: " + connack_text(args_.client.version, *reason));
        exit_code_ = args_.client.version == protocol::ProtocolVersion::kV5
                         ? static_cast<int>(*reason)
                         : protocol::to_v3_connack_code(*reason).value_or(1);
      } else {
        error("Error: " + why);
        exit_code_ = 1;
      }
      return stop();
    }
    // As mosquitto_sub (libmosquitto's loop): a connection lost after it
    // was up is made again a second later.
    if (args_.client.debug) std::printf("Connection lost (%s): reconnecting\n", why.c_str());
    retry_.expires_after(std::chrono::seconds(1));
    retry_.async_wait([this](std::error_code ec) {
      if (!ec && !finished_) connect();
    });
  }

 private:
  void connect() {
    client_ = net::MqttClient::create(io_, options_, *this);
    client_->start();
  }

  void on_suback(const protocol::Suback& ack) {
    bool all_denied = !ack.reason_codes.empty();
    for (std::size_t i = 0; i < ack.reason_codes.size(); ++i) {
      const auto code = static_cast<std::uint8_t>(ack.reason_codes[i]);
      if (code < 0x80) {
        all_denied = false;
      } else if (i < args_.client.topics.size()) {
        error("Warning: Subscription to " + args_.client.topics[i] + " denied.");
      }
    }
    if (args_.client.debug) {
      std::string line = "Subscribed (mid: " + std::to_string(ack.packet_id) + "):";
      for (std::size_t i = 0; i < ack.reason_codes.size(); ++i) {
        line += (i == 0 ? " " : ", ") + std::to_string(static_cast<int>(ack.reason_codes[i]));
      }
      std::printf("%s\n", line.c_str());
    }
    if (all_denied) {
      error("All subscription requests were denied.");
      return finish(1);
    }
    if (args_.exit_after_subscribe) finish(0);
  }

  void print(const protocol::Publish& p) {
    ReceivedMessage m;
    m.topic = p.topic;
    m.payload = core::as_chars(p.payload);
    m.qos = static_cast<int>(p.qos);
    m.retain = p.retain;
    m.packet_id = p.packet_id;
    const protocol::Properties& props = p.properties;
    m.payload_format_indicator = props.payload_format_indicator;
    m.message_expiry_interval = props.message_expiry_interval;
    m.content_type = props.content_type;
    m.response_topic = props.response_topic;
    if (props.correlation_data) m.correlation_data = core::as_chars(*props.correlation_data);
    m.subscription_identifiers = props.subscription_identifiers;
    for (const auto& u : props.user_properties) m.user_properties.emplace_back(u.name, u.value);
    m.topic_alias = props.topic_alias;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    out_.clear();
    err_.clear();
    format_message(args_.output, m, Arrival{now.tv_sec, now.tv_nsec}, out_, err_);
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    std::fflush(stdout);
    if (!err_.empty()) std::fwrite(err_.data(), 1, err_.size(), stderr);
  }

  void error(const std::string& text) const {
    if (!args_.client.quiet) std::fprintf(stderr, "%s\n", text.c_str());
  }

  void finish(int code) {
    if (finished_) return;
    finished_ = true;
    exit_code_ = code;
    timer_.cancel();
    retry_.cancel();
    if (client_ && client_->connected()) {
      // QoS 1/2 acknowledgements (and --remove-retained's clears) go first.
      client_->when_idle([this] {
        protocol::Disconnect d;
        d.properties = args_.client.disconnect_properties;
        client_->disconnect(d);
      });
      return;
    }
    if (client_) client_->close();
    stop();
  }

  void stop() {
    timer_.cancel();
    retry_.cancel();
    io_.stop();
  }

  asio::io_context& io_;
  SubArgs& args_;
  net::MqttClientOptions options_;
  std::shared_ptr<net::MqttClient> client_;
  asio::steady_timer timer_;
  asio::steady_timer retry_;
  std::string out_;
  std::string err_;
  unsigned received_ = 0;
  bool ever_connected_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
};

}  // namespace

int sub_main(int argc, char** argv) {
  if (print_help_if_asked(argc, argv,
                          "roost sub subscribes to topics and prints the messages it receives (as mosquitto_sub).\n\n",
                          kSubUsage, kSubHelp)) {
    return 0;
  }
  SubArgs args;
  std::string error = parse_client_args(argc, argv, Tool::kSub, sub_takes_value, args.client);
  if (error.empty()) error = parse_sub(args);
  if (error.empty()) error = check_client_args(args.client);
  if (!error.empty()) {
    if (!args.client.quiet) std::fprintf(stderr, "%s\n\nUse 'roost sub --help' to see usage.\n", error.c_str());
    return 1;
  }
  auto options = client_options_or_error(args.client);
  if (!options) return 1;
  asio::io_context io(1);
  Subscriber subscriber(io, args);
  return subscriber.run(std::move(*options));
}

}  // namespace roost::cli
