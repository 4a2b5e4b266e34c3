// roost: the broker and its tools in one binary.
//   roost serve [--config FILE] [-p PORT]... [--ready-fd N] [-v]
//   roost check --config FILE
//   roost backup --config FILE OUT
//   roost health [--config FILE]
//   roost import MOSQUITTO_CONF
//   roost addon COMMAND ... (the Home Assistant add-on's steps)
//   roost passwd ... (as mosquitto_passwd)
//   roost pub ... / roost sub ... (as mosquitto_pub and mosquitto_sub)
//   roost --version | --help

#include <algorithm>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <netdb.h>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/un.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

#include "addon/ha_auth.hpp"
#include "addon/supervisor.hpp"
#include "app/addon_command.hpp"
#include "app/import_command.hpp"
#include "app/log_sinks.hpp"
#include "bridge/bridge.hpp"
#include "cli/passwd.hpp"
#include "cli/pub.hpp"
#include "cli/sub.hpp"
#include "config/config.hpp"
#include "net/listener.hpp"
#include "net/server.hpp"
#include "store/sqlite_store.hpp"

#ifndef ROOST_VERSION
#define ROOST_VERSION "0.0.0"
#endif

namespace {

using roost::config::Config;

constexpr std::string_view kUsage =
    "Usage: roost COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  serve            run the MQTT broker\n"
    "  check            validate a configuration file and exit\n"
    "  backup OUT       copy the database of the configuration's [persistence]\n"
    "                   to OUT, consistently, while the broker runs or not\n"
    "  health           exit 0 if the broker accepts connections on its first\n"
    "                   plain MQTT listener (a container HEALTHCHECK)\n"
    "  pub              publish a message (as mosquitto_pub; roost pub --help)\n"
    "  sub              subscribe and print messages (as mosquitto_sub; roost sub --help)\n"
    "  import FILE      print a mosquitto.conf (and its include_dir) as Roost's TOML;\n"
    "                   what has no equivalent is a warning on stderr\n"
    "  passwd           manage a password file (as mosquitto_passwd; roost passwd --help)\n"
    "  addon            the Home Assistant add-on's steps (roost addon --help)\n"
    "\n"
    "Options of serve:\n"
    "  -c, --config FILE   read the configuration from FILE (TOML); without it Roost\n"
    "                      listens on 127.0.0.1 and ::1 port 1883 only\n"
    "  -p, --port PORT     listen on PORT (loopback unless the configuration says\n"
    "                      otherwise); may be given more than once\n"
    "  --ready-fd N        write a newline to file descriptor N once listening\n"
    "  -v, --verbose       log every type of message, debug included\n"
    "\n"
    "Options of check, backup and health:\n"
    "  -c, --config FILE   the configuration file (health: default\n"
    "                      /etc/roost/roost.toml when it exists)\n"
    "\n"
    "  -h, --help          show this help\n"
    "  --version           show the version\n";

struct Options {
  std::string command;
  std::optional<std::string> config;
  std::vector<std::uint16_t> ports;
  std::optional<int> ready_fd;
  bool verbose = false;
  std::vector<std::string> arguments;  // after the command (backup's OUT)
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "roost: %s\n\n%.*s", what.c_str(), static_cast<int>(kUsage.size()), kUsage.data());
  std::exit(2);
}

template <class T>
T parse_number(std::string_view text, std::string_view option, T max) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > static_cast<std::uint64_t>(max)) {
    usage_error(std::string(option) + " needs a number up to " + std::to_string(max) + ", not \"" + std::string(text) +
                "\"");
  }
  return static_cast<T>(value);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      std::exit(0);
    } else if (arg == "--version") {
      std::printf("roost %s\n", ROOST_VERSION);
      std::exit(0);
    } else if (arg == "-c" || arg == "--config") {
      o.config = std::string(value());
    } else if (arg == "-p" || arg == "--port") {
      o.ports.push_back(parse_number<std::uint16_t>(value(), arg, 65535));
    } else if (arg == "--ready-fd") {
      o.ready_fd = parse_number<int>(value(), arg, 1 << 20);
    } else if (arg == "-v" || arg == "--verbose") {
      o.verbose = true;
    } else if (o.command.empty() && !arg.starts_with('-')) {
      o.command = arg;
    } else if (!arg.starts_with('-')) {
      o.arguments.emplace_back(arg);
    } else {
      usage_error("unknown option \"" + std::string(arg) + "\"");
    }
  }
  if (o.command.empty()) usage_error("no command given");
  if (o.command != "serve" && o.command != "check" && o.command != "backup" && o.command != "health" &&
      o.command != "import") {
    usage_error("unknown command \"" + o.command + "\"");
  }
  const bool takes_one = o.command == "backup" || o.command == "import";
  if (takes_one ? o.arguments.size() != 1 : !o.arguments.empty()) {
    usage_error(takes_one ? o.command + " needs one file" : "unexpected argument \"" + o.arguments[0] + "\"");
  }
  return o;
}

Config load(const Options& o) {
  if (!o.config) return roost::config::default_config();
  auto loaded = roost::config::load_config(*o.config);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    std::exit(1);
  }
  return std::move(loaded).value();
}

// `threads`: as configured, or (0) the CPUs this process may run on, at most 4.
unsigned thread_count(unsigned configured) {
  if (configured != 0) return configured;
  unsigned cpus = 1;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    cpus = static_cast<unsigned>(CPU_COUNT(&set));
  } else {
    cpus = std::max(1U, std::thread::hardware_concurrency());
  }
  return std::clamp(cpus, 1U, 4U);
}

roost::net::ServerSettings server_settings(const Config& c, const Options& o) {
  roost::net::ServerSettings s;
  s.threads = thread_count(c.threads);
  auto endpoint = [&c](const roost::config::Listener& l) {
    roost::net::Endpoint e;
    e.address = l.address;
    e.port = l.port;
    e.protocol = l.protocol == "websockets" ? roost::net::Endpoint::Protocol::kWebSockets
                                            : roost::net::Endpoint::Protocol::kMqtt;
    e.allow_anonymous = l.allow_anonymous.value_or(c.auth.allow_anonymous);
    e.use_username_as_clientid = l.use_username_as_clientid;
    e.tls = l.tls;
    return e;
  };
  if (o.ports.empty()) {
    for (const auto& l : c.listeners) s.listeners.push_back(endpoint(l));
  } else {
    // -p: on loopback, unless the configuration names addresses (then those, on that port).
    std::vector<std::string> addresses;
    for (const auto& l : o.config ? c.listeners : std::vector<roost::config::Listener>{}) {
      addresses.push_back(l.address);
    }
    if (addresses.empty()) addresses = {"127.0.0.1", "::1"};
    for (const std::uint16_t port : o.ports) {
      for (const auto& a : addresses) {
        roost::config::Listener l;
        l.address = a;
        l.port = port;
        s.listeners.push_back(endpoint(l));
      }
    }
  }
  s.max_packet_size = c.max_packet_size;
  s.max_connections = c.max_connections;
  s.connect_timeout = c.connect_timeout;
  s.max_output_buffer = c.max_output_buffer;
  s.connection_messages = c.log.connection_messages;
  s.sys_interval = c.sys_interval;
  s.version = std::string("roost version ") + ROOST_VERSION;
  s.engine = c.engine;
  s.engine.connection_messages = c.log.connection_messages;
  s.users = c.auth.users;
  s.acl = c.auth.acl;
  return s;
}

// systemd's notification protocol (Type=notify): one datagram with `state`
// ("READY=1", "STOPPING=1") to the socket named by $NOTIFY_SOCKET, a path
// or an abstract name ("@..."). Nothing happens without the variable.
void notify_systemd(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || (path[0] != '/' && path[0] != '@')) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::size_t length = std::strlen(path);
  if (length >= sizeof address.sun_path) return;
  std::memcpy(address.sun_path, path, length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  while (::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), size) <
             0 &&
         errno == EINTR) {
  }
  ::close(fd);
}

// Tells a supervisor that every listener is bound: s6 (a newline on the
// notification fd) and systemd (READY=1).
void notify_ready(std::optional<int> fd) {
  notify_systemd("READY=1\nSTATUS=accepting connections");
  if (!fd) return;
  const char newline = '\n';
  while (::write(*fd, &newline, 1) < 0 && errno == EINTR) {
  }
  ::close(*fd);
}

int serve(const Options& o) {
  Config config = load(o);
  if (o.verbose) config.log.types = 0x7F;
  std::optional<roost::app::LogFanout> sink;
  try {
    sink.emplace(config.log);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roost: %s\n", e.what());
    return 1;
  }
  roost::core::Logger logger(&*sink);
  logger.log(roost::core::LogType::kNotice, std::string("roost ") + ROOST_VERSION + " starting" +
                                                (o.config ? " with " + *o.config : " with the built-in configuration"));
  // The database first: a newer schema stops the start here, before any listener.
  std::optional<roost::store::SqliteStore> store;
  if (!config.persistence.path.empty()) {
    try {
      roost::store::StoreSettings s;
      s.path = config.persistence.path;
      s.flush_interval = std::chrono::seconds(config.persistence.flush_interval);
      s.durability = config.persistence.durability == "strict" ? roost::store::Durability::kStrict
                                                               : roost::store::Durability::kPeriodic;
      store.emplace(s, logger);
    } catch (const std::exception& e) {
      logger.log(roost::core::LogType::kError, std::string("Persistence: ") + e.what());
      std::fprintf(stderr, "roost: %s\n", e.what());
      return 1;
    }
  }
  // Strict durability is fixed at start, as the store is: a reload keeps it.
  const bool acks_after_commit = config.engine.acks_after_commit;
  roost::net::Server server(server_settings(config, o), logger);
  // The store stops (its writer joined) before the server goes away.
  struct CloseStore {
    std::optional<roost::store::SqliteStore>& store;
    ~CloseStore() {
      if (store) store->close();
    }
  } close_store{store};
  if (store) {
    // Restored before the listeners open; from then on changes go to the store.
    const auto now = roost::core::Clock::now();
    server.engine().set_persistence(&*store);
    server.engine().restore(store->load(now), now);
    // Acknowledgements held for a commit go out on the engine's thread.
    store->on_commit([&server](std::uint64_t ticket) {
      asio::post(server.io(), [&server, ticket] { server.engine().committed(ticket); });
    });
    store->start();
  }
  logger.log(roost::core::LogType::kInformation,
             roost::core::str_cat("Using ", server.thread_count(), " thread", server.thread_count() == 1 ? "" : "s"));
  if (sink->wants_topic()) {
    sink->set_topic_publisher(
        [&server](roost::core::LogType type, std::string line) { server.publish_log(type, std::move(line)); });
  }
  // SIGHUP: read the file again; apply it whole, or keep the current one and say why.
  asio::signal_set reloads(server.io(), SIGHUP);
  std::function<void()> wait_for_reload = [&] {
    reloads.async_wait([&](const std::error_code& ec, int) {
      if (ec) return;
      if (!o.config) {
        logger.log(roost::core::LogType::kNotice, "Reload requested, but there is no configuration file");
      } else if (auto fresh = roost::config::load_config(*o.config); !fresh) {
        logger.log(roost::core::LogType::kError,
                   "Reload failed, keeping the current configuration: " + fresh.error().message);
      } else {
        if (!o.verbose) sink->set_types(fresh->log.types);
        fresh->engine.acks_after_commit = acks_after_commit;
        const auto& p = fresh->persistence;
        if (p.path != config.persistence.path || p.durability != config.persistence.durability ||
            p.flush_interval != config.persistence.flush_interval) {
          logger.log(roost::core::LogType::kNotice,
                     "Reload: [persistence] changes take effect at the next start; keeping the current settings");
        }
        if (!fresh->bridges.empty() || !config.bridges.empty()) {
          logger.log(roost::core::LogType::kNotice,
                     "Reload: [[bridge]] settings are read at start only; the bridges keep running as they are");
        }
        server.reconfigure(server_settings(*fresh, o));
      }
      wait_for_reload();
    });
  };
  // The add-on: Home Assistant users log in through the Supervisor (set
  // before the listeners open, so no login misses it).
  std::shared_ptr<roost::addon::HomeAssistantAuth> home_assistant;
  if (config.home_assistant.enabled && config.home_assistant.auth) {
    const std::string token = roost::addon::supervisor_token_from_env();
    const auto url = roost::net::parse_http_url(config.home_assistant.supervisor);
    if (token.empty() || !url) {
      logger.log(roost::core::LogType::kWarning,
                 "[home_assistant]: no SUPERVISOR_TOKEN in the environment; Home Assistant users cannot log in");
    } else {
      home_assistant = std::make_shared<roost::addon::HomeAssistantAuth>(
          std::make_shared<roost::addon::Supervisor>(server.io(), *url, token), logger);
      server.authenticator().set_backends({home_assistant});
      logger.log(roost::core::LogType::kInformation,
                 "Home Assistant users log in through " + config.home_assistant.supervisor + "/auth");
    }
  }
  // Bridges (their TLS files are checked before the listeners open).
  std::unique_ptr<roost::bridge::Bridges> bridges;
  try {
    bridges = std::make_unique<roost::bridge::Bridges>(server, config.bridges);
  } catch (const std::exception& e) {
    logger.log(roost::core::LogType::kError, e.what());
    std::fprintf(stderr, "roost: %s\n", e.what());
    return 1;
  }
  try {
    server.start();
  } catch (const std::system_error& e) {
    logger.log(roost::core::LogType::kError, e.what());
    std::fprintf(stderr, "roost: %s\n", e.what());
    return 1;
  }
  asio::signal_set signals(server.io(), SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int) {
    if (!ec) {
      notify_systemd("STOPPING=1");
      if (home_assistant) home_assistant->stop();  // no new calls to wait for
      server.stop();
      reloads.cancel();
    }
  });
  wait_for_reload();
  std::signal(SIGPIPE, SIG_IGN);
  notify_ready(o.ready_fd);
  bridges->start();
  server.run();
  if (store) {
    server.engine().set_persistence(nullptr);
    store->close();  // the last changes committed
  }
  sink->set_topic_publisher(nullptr);
  logger.log(roost::core::LogType::kNotice, "roost stopped");
  return 0;
}

int backup(const Options& o) {
  if (!o.config) usage_error("backup needs --config FILE");
  const Config config = load(o);
  if (config.persistence.path.empty()) {
    std::fprintf(stderr, "roost: %s has no [persistence] path: there is nothing to back up\n", o.config->c_str());
    return 1;
  }
  const std::string error = roost::store::SqliteStore::backup(config.persistence.path, o.arguments[0]);
  if (!error.empty()) {
    std::fprintf(stderr, "roost: %s\n", error.c_str());
    return 1;
  }
  std::printf("%s: copied to %s\n", config.persistence.path.c_str(), o.arguments[0].c_str());
  return 0;
}

// Connects to the first plain MQTT listener (on loopback when it listens on
// every address) and closes again: the broker logs such a probe at debug only.
int health(Options o) {
  if (!o.config && ::access("/etc/roost/roost.toml", R_OK) == 0) o.config = "/etc/roost/roost.toml";
  const Config config = load(o);
  const auto& listeners = config.listeners;
  const auto it = std::find_if(listeners.begin(), listeners.end(),
                               [](const roost::config::Listener& l) { return l.protocol == "mqtt" && !l.tls; });
  if (it == listeners.end()) {
    std::fprintf(stderr, "roost health: no plain MQTT listener to probe\n");
    return 1;
  }
  std::string host = it->address;
  if (host == "::" || host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(it->port).c_str(), &hints, &found) != 0 || found == nullptr) {
    std::fprintf(stderr, "roost health: bad listener address %s\n", host.c_str());
    return 1;
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (rc != 0 && fd >= 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int error = ETIMEDOUT;
    socklen_t len = sizeof error;
    if (::poll(&p, 1, 3000) == 1) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    rc = error == 0 ? 0 : -1;
    errno = error;
  }
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  if (rc != 0) {
    std::fprintf(stderr, "roost health: %s port %u: %s\n", host.c_str(), it->port, std::strerror(saved));
    return 1;
  }
  return 0;
}

int check(const Options& o) {
  if (!o.config) usage_error("check needs --config FILE");
  const Config config = load(o);
  // Certificates and keys are read as the broker would read them.
  for (const auto& l : server_settings(config, o).listeners) {
    try {
      roost::net::make_listener_context(l);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", o.config->c_str(), e.what());
      return 1;
    }
  }
  std::printf("%s: configuration is valid\n", o.config->c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // The tools have flags of their own (those of the Mosquitto tools).
    if (argc >= 2 && std::string_view(argv[1]) == "passwd") return roost::cli::passwd_main(argc - 2, argv + 2);
    if (argc >= 2 && std::string_view(argv[1]) == "pub") return roost::cli::pub_main(argc - 2, argv + 2);
    if (argc >= 2 && std::string_view(argv[1]) == "sub") return roost::cli::sub_main(argc - 2, argv + 2);
    if (argc >= 2 && std::string_view(argv[1]) == "addon") return roost::app::addon_main(argc - 2, argv + 2);
    const Options options = parse_args(argc, argv);
    if (options.command == "check") return check(options);
    if (options.command == "import") return roost::app::import_main(options.arguments[0]);
    if (options.command == "backup") return backup(options);
    if (options.command == "health") return health(options);
    return serve(options);
  } catch (const std::exception& e) {
    // Start-up failures only: the running broker reports errors as values.
    std::fprintf(stderr, "roost: %s\n", e.what());
    return 1;
  }
}
