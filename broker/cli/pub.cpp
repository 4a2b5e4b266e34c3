// roost pub: mosquitto_pub's flags, messages and exit codes.

#include "cli/pub.hpp"

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>

#include "cli/client_args.hpp"

namespace roost::cli {

namespace {

constexpr std::string_view kPubUsage =
    "Usage: roost pub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL}\n"
    "                 {-f file | -l | -n | -m message | -s}\n"
    "                 [-c] [-k keepalive] [-q qos] [-r] [--repeat N] [--repeat-delay time] [-x session-expiry]\n"
    "                 [-A bind_address] [-i id] [-I id_prefix] [-d] [--quiet] [-M max_inflight]\n"
    "                 [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]\n"
    "                 [{--cafile file | --capath dir} [--cert file] [--key file] [--ciphers ciphers]\n"
    "                  [--insecure] [--tls-alpn protocol] [--tls-use-os-certs] [--tls-version version]]\n"
    "                 [--websocket [--ws-path path]] [-D command identifier value]\n"
    "       roost pub --help\n\n";

constexpr std::string_view kPubHelp =
    " -f : send the contents of a file as the message.\n"
    " -l : read messages from stdin, sending a separate message for each line.\n"
    " -m : message payload to send.\n"
    " -M : the maximum inflight messages for QoS 1/2..\n"
    " -n : send a null (zero length) message.\n"
    " -r : message should be retained.\n"
    " -s : read message from stdin, sending the entire input as a message.\n"
    " -t : mqtt topic to publish to.\n"
    " --repeat : if publish mode is -f, -m, or -s, then repeat the publish N times.\n"
    " --repeat-delay : if using --repeat, wait time seconds between publishes. Defaults to 0.\n";

bool pub_takes_value(std::string_view flag) {
  return flag == "-m" || flag == "--message" || flag == "-f" || flag == "--file" || flag == "--repeat" ||
         flag == "--repeat-delay";
}

enum class Source : std::uint8_t { kNone, kMessage, kFile, kStdin, kLines, kNull };

struct PubArgs {
  ClientArgs client;
  Source source = Source::kNone;
  std::string message;
  std::string file;
  unsigned repeat = 1;
  double repeat_delay = 0;
};

int usage_error(const ClientArgs& args, const std::string& error) {
  if (!args.quiet) std::fprintf(stderr, "%s\n\nUse 'roost pub --help' to see usage.\n", error.c_str());
  return 1;
}

// Parses the tool's own flags; "" or an error.
std::string parse_pub(PubArgs& out) {
  const auto set_source = [&](Source s) -> bool {
    if (out.source != Source::kNone) return false;
    out.source = s;
    return true;
  };
  const auto& rest = out.client.rest;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const std::string& arg = rest[i];
    // parse_client_args() made sure that flags taking a value have one.
    const std::string value = i + 1 < rest.size() ? rest[i + 1] : std::string();
    bool ok = true;
    if (arg == "-m" || arg == "--message") {
      ok = set_source(Source::kMessage);
      out.message = value;
      ++i;
    } else if (arg == "-f" || arg == "--file") {
      ok = set_source(Source::kFile);
      out.file = value;
      ++i;
    } else if (arg == "-s" || arg == "--stdin-file") {
      ok = set_source(Source::kStdin);
    } else if (arg == "-l" || arg == "--stdin-line") {
      ok = set_source(Source::kLines);
    } else if (arg == "-n" || arg == "--null-message") {
      ok = set_source(Source::kNull);
    } else if (arg == "-r" || arg == "--retain") {
      out.client.retain = true;
    } else if (arg == "--repeat") {
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out.repeat);
      if (ec != std::errc{} || end != value.data() + value.size() || out.repeat == 0) {
        return "Error: --repeat argument must be >0.";
      }
      ++i;
    } else if (arg == "--repeat-delay") {
      char* end = nullptr;
      out.repeat_delay = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || out.repeat_delay < 0) {
        return "Error: --repeat-delay argument must be >=0.0.";
      }
      ++i;
    } else {
      return "Error: Unknown option '" + arg + "'.";
    }
    if (!ok) return "Error: Only one type of message can be sent at once.";
  }
  if (out.client.topics.size() > 1) return "Error: Only one topic may be given to publish to.";
  if (out.client.topics.empty() || out.source == Source::kNone)
    return "Error: Both topic and message must be supplied.";
  return {};
}

// Reads all of `fd` (the file of -f, or stdin for -s).
bool read_all(int fd, std::string& out) {
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

class Publisher final : public net::MqttClient::Handler {
 public:
  Publisher(asio::io_context& io, PubArgs& args) : io_(io), args_(args), stdin_(io), delay_(io) {}

  int run(net::MqttClientOptions options) {
    options.trace = [this](bool sent, const protocol::PacketBody& p) {
      if (args_.client.debug) std::printf("%s\n", debug_line(args_.client.id, args_.client.version, sent, p).c_str());
    };
    client_ = net::MqttClient::create(io_, std::move(options), *this);
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([this](std::error_code ec, int) {
      if (!ec) finish(0);
    });
    client_->start();
    io_.run();
    return exit_code_;
  }

  void on_connected(const protocol::Connack&) override {
    connected_ = true;
    if (args_.source == Source::kLines) {
      stdin_.assign(::dup(STDIN_FILENO));
      read_lines();
    } else {
      publish_next();
    }
  }

  void on_message(const protocol::Packet&) override {}

  void on_closed(const std::string& why, std::optional<protocol::ReasonCode> reason) override {
    if (!why.empty() && exit_code_ == 0) {
      if (!connected_ && reason) {
        const bool v5 = args_.client.version == protocol::ProtocolVersion::kV5;
        error("Connection error: " + connack_text(args_.client.version, *reason));
        exit_code_ = v5 ? static_cast<int>(*reason) : protocol::to_v3_connack_code(*reason).value_or(1);
      } else {
        error("Error: " + why);
        exit_code_ = 1;
      }
    }
    stop();
  }

 private:
  void error(const std::string& text) const {
    if (!args_.client.quiet) std::fprintf(stderr, "%s\n", text.c_str());
  }

  protocol::Publish make(std::string_view payload) const {
    protocol::Publish p;
    p.topic = args_.client.topics.front();
    p.payload = core::ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    p.qos = args_.client.qos;
    p.retain = args_.client.retain;
    p.properties = args_.client.publish_properties;
    return p;
  }

  bool send(std::string_view payload) {
    const auto done = [this](protocol::ReasonCode reason) {
      if (static_cast<std::uint8_t>(reason) >= 0x80) {
        error("Warning: Publish failed: " + std::string(protocol::to_string(reason)) + ".");
      }
      resume_lines();
    };
    if (!client_->publish(make(payload), done)) {
      error("Error: " + client_->error());
      exit_code_ = 1;
      finish(1);
      return false;
    }
    ++published_;
    return true;
  }

  // -m, -f, -s, -n: the message, --repeat times.
  void publish_next() {
    const std::string_view payload = args_.source == Source::kNull ? std::string_view{} : args_.message;
    if (!send(payload)) return;
    if (published_ < args_.repeat) {
      const auto wait = std::chrono::duration<double>(args_.repeat_delay);
      delay_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
      delay_.async_wait([this](std::error_code ec) {
        if (!ec) publish_next();
      });
      return;
    }
    client_->when_idle([this] { finish(0); });
  }

  // -l: one message per line of stdin, the newline left out; a last line
  // without one is sent too. At most -M QoS 1/2 messages wait for acks.
  void read_lines() {
    if (reading_ || eof_) return;
    if (client_->unacknowledged() >= args_.client.max_inflight || client_->output_bytes() > (1U << 20)) {
      paused_ = true;
      if (args_.client.qos == protocol::QoS::k0) client_->when_idle([this] { resume_lines(); });
      return;
    }
    reading_ = true;
    if (!pollable_) {
      // A regular file or /dev/null: epoll cannot watch it, and reading it
      // never blocks. One chunk per turn, so acknowledgements get their turn.
      asio::post(io_, [this] {
        reading_ = false;
        read_chunk();
      });
      return;
    }
    stdin_.async_wait(asio::posix::stream_descriptor::wait_read, [this](std::error_code ec) {
      reading_ = false;
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        pollable_ = false;
        return read_lines();
      }
      read_chunk();
    });
  }

  void read_chunk() {
    char buffer[65536];
    const ssize_t n = ::read(stdin_.native_handle(), buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return read_lines();
    if (n <= 0) {
      eof_ = true;
      if (!partial_.empty()) send(partial_);
      partial_.clear();
      client_->when_idle([this] { finish(0); });
      return;
    }
    partial_.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
      if (!send(std::string_view(partial_).substr(start, nl - start))) return;
      start = nl + 1;
    }
    partial_.erase(0, start);
    read_lines();
  }

  void resume_lines() {
    if (!paused_ || eof_) return;
    paused_ = false;
    read_lines();
  }

  void finish(int code) {
    if (finished_) return;
    finished_ = true;
    if (code != 0) exit_code_ = code;
    protocol::Disconnect d;
    d.properties = args_.client.disconnect_properties;
    if (client_->connected()) {
      client_->disconnect(d);
    } else {
      client_->close();
      stop();
    }
  }

  void stop() {
    std::error_code ignored;
    stdin_.close(ignored);
    delay_.cancel();
    io_.stop();
  }

  asio::io_context& io_;
  PubArgs& args_;
  std::shared_ptr<net::MqttClient> client_;
  asio::posix::stream_descriptor stdin_;
  asio::steady_timer delay_;
  std::string partial_;
  unsigned published_ = 0;
  bool connected_ = false;
  bool reading_ = false;
  bool pollable_ = true;  // stdin can be waited on (a pipe, a terminal); not a regular file
  bool paused_ = false;
  bool eof_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
};

}  // namespace

int pub_main(int argc, char** argv) {
  if (print_help_if_asked(argc, argv,
                          "roost pub publishes a message on a single topic and exits (as mosquitto_pub).\n\n",
                          kPubUsage, kPubHelp)) {
    return 0;
  }
  PubArgs args;
  std::string error = parse_client_args(argc, argv, Tool::kPub, pub_takes_value, args.client);
  if (error.empty()) error = parse_pub(args);
  if (error.empty()) error = check_client_args(args.client);
  if (!error.empty()) return usage_error(args.client, error);
  if (args.source == Source::kFile) {
    const int fd = ::open(args.file.c_str(), O_RDONLY | O_CLOEXEC);
    const bool ok = fd >= 0 && read_all(fd, args.message);
    if (fd >= 0) ::close(fd);
    if (!ok) {
      if (!args.client.quiet) std::fprintf(stderr, "Error: Unable to read file \"%s\".\n", args.file.c_str());
      return 1;
    }
  } else if (args.source == Source::kStdin && !read_all(STDIN_FILENO, args.message)) {
    if (!args.client.quiet) std::fprintf(stderr, "Error: Unable to read stdin.\n");
    return 1;
  }
  auto options = client_options_or_error(args.client);
  if (!options) return 1;
  asio::io_context io(1);
  Publisher publisher(io, args);
  return publisher.run(std::move(*options));
}

}  // namespace roost::cli
