#include "app/addon_command.hpp"

#include <asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unistd.h>

#include "addon/init.hpp"
#include "addon/supervisor.hpp"
#include "addon/system_users.hpp"
#include "app/log_sinks.hpp"
#include "core/files.hpp"

namespace roost::app {
namespace {

constexpr std::string_view kUsage =
    "Usage: roost addon COMMAND [OPTIONS]\n"
    "\n"
    "The Home Assistant add-on's start and stop steps:\n"
    "  init          translate the add-on's options into /etc/roost/roost.toml, the\n"
    "                password and ACL files; create or reuse /data/system_user.json\n"
    "  register      publish the mqtt service and the discovery message to the Supervisor\n"
    "  unregister    withdraw the mqtt service, if this add-on still provides it\n"
    "  backup-pre    copy the database to /data/roost-backup.db for a backup\n"
    "  backup-post   remove that copy\n"
    "\n"
    "Options (defaults are the add-on's folders):\n"
    "  --options FILE      options.json (default /data/options.json)\n"
    "  --data DIR          /data      --ssl DIR     /ssl\n"
    "  --share DIR         /share     --config-dir DIR  /config\n"
    "  --out DIR           /etc/roost (where init writes)\n"
    "  --supervisor URL    the Supervisor's API (default: $ROOST_SUPERVISOR_URL, else\n"
    "                      http://supervisor)\n"
    "  --hostname NAME     the host name to publish (default: this host's)\n"
    "The Supervisor token is read from SUPERVISOR_TOKEN (or HASSIO_TOKEN).\n";

int usage(const std::string& what) {
  std::fprintf(stderr, "roost addon: %s\n\n%.*s", what.c_str(), static_cast<int>(kUsage.size()), kUsage.data());
  return 2;
}

// Add-on steps log to stdout (the add-on's log), with the broker's time format.
config::LogSettings step_log() {
  config::LogSettings s;
  s.destinations = {"stdout"};
  s.timestamp_format = "%Y-%m-%d %H:%M:%S";
  return s;
}

std::string this_hostname() {
  char name[256] = {};
  return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

// register / unregister: one io_context, run until the calls are done.
int talk_to_supervisor(const std::string& command, const addon::InitPaths& paths, const core::Logger& log) {
  const auto url = net::parse_http_url(paths.env.supervisor);
  if (!url) return usage("--supervisor needs an http:// URL, not \"" + paths.env.supervisor + "\"");
  const std::string token = addon::supervisor_token_from_env();
  if (token.empty()) {
    log.log(core::LogType::kError, "No SUPERVISOR_TOKEN in the environment: cannot talk to the Supervisor");
    return 0;  // never a reason to stop the add-on
  }
  asio::io_context io(1);
  addon::Supervisor supervisor(io, *url, token);
  if (command == "unregister") {
    addon::withdraw_service(supervisor, log, [](bool) {});
    io.run();
    return 0;
  }
  const std::string users_path = paths.env.data_dir + "/system_user.json";
  std::string text;
  std::string error;
  if (!core::read_text_file(users_path, text, error)) {
    log.log(core::LogType::kError, "Cannot register: " + error + " (roost addon init writes it)");
    return 0;
  }
  auto users = addon::ensure_system_users(text, {}, [] { return std::string(); });
  const std::string* ha = users ? users->password("homeassistant") : nullptr;
  const std::string* addons = users ? users->password("addons") : nullptr;
  if (ha == nullptr || addons == nullptr) {
    log.log(core::LogType::kError, "Cannot register: " + users_path + " lacks the homeassistant or addons user");
    return 0;
  }
  addon::ServiceInfo info;
  info.host = paths.env.hostname.empty() ? this_hostname() : paths.env.hostname;
  info.homeassistant_password = *ha;
  info.addons_password = *addons;
  addon::register_service(supervisor, info, log, [](bool) {});
  io.run();
  return 0;  // failures are logged; the broker keeps running either way
}

}  // namespace

int addon_main(int argc, char** argv) {
  if (argc < 1) return usage("no command given");
  const std::string command = argv[0];
  if (command == "-h" || command == "--help") {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
    return 0;
  }
  addon::InitPaths paths;
  if (const char* url = std::getenv("ROOST_SUPERVISOR_URL"); url != nullptr && *url != '\0') paths.env.supervisor = url;
  bool options_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage(std::string(arg) + " needs a value (or is unknown)");
    const std::string value = argv[++i];
    if (arg == "--options") {
      paths.options = value;
      options_given = true;
    } else if (arg == "--data") {
      paths.env.data_dir = value;
    } else if (arg == "--ssl") {
      paths.env.ssl_dir = value;
    } else if (arg == "--share") {
      paths.env.share_dir = value;
    } else if (arg == "--config-dir") {
      paths.env.config_dir = value;
    } else if (arg == "--out") {
      paths.env.out_dir = value;
    } else if (arg == "--supervisor") {
      paths.env.supervisor = value;
    } else if (arg == "--hostname") {
      paths.env.hostname = value;
    } else {
      return usage("unknown option \"" + std::string(arg) + "\"");
    }
  }
  if (!options_given) paths.options = paths.env.data_dir + "/options.json";
  LogFanout sink(step_log());
  const core::Logger log(&sink);
  // Outside Home Assistant nothing writes options.json or sets the token.
  const bool standalone =
      !options_given && ::access(paths.options.c_str(), F_OK) != 0 && addon::supervisor_token_from_env().empty();
  if (command == "init") return standalone ? addon::run_standalone_init(paths.env, log) : addon::run_init(paths, log);
  if (standalone && (command == "register" || command == "unregister")) {
    log.log(core::LogType::kNotice, "Not under a Home Assistant Supervisor: nothing to " + command);
    return 0;
  }
  if (command == "register" || command == "unregister") return talk_to_supervisor(command, paths, log);
  if (command == "backup-pre") return addon::backup_pre(paths.env.data_dir, log);
  if (command == "backup-post") return addon::backup_post(paths.env.data_dir, log);
  return usage("unknown command \"" + command + "\"");
}

}  // namespace roost::app
