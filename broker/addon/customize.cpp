#include "addon/customize.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "config/mosquitto_bridge.hpp"

namespace roost::addon {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::optional<bool> parse_bool(std::string_view v) {
  if (v == "true") return true;
  if (v == "false") return false;
  return std::nullopt;
}

constexpr std::array<std::string_view, 10> kLogTypes{"none",        "debug",     "error",       "warning",    "notice",
                                                     "information", "subscribe", "unsubscribe", "websockets", "all"};
constexpr std::array<std::string_view, 5> kLogDests{"none", "stdout", "stderr", "topic", "syslog"};

}  // namespace

CustomizeSettings parse_customize(const std::vector<std::pair<std::string, std::string>>& files) {
  CustomizeSettings out;
  for (const auto& [name, text] : files) {
    std::string_view rest = text;
    unsigned line_no = 0;
    // The `connection` block being read, and where it started.
    std::optional<config::BridgeSettings> bridge;
    std::string bridge_at;
    const auto end_bridge = [&] {
      if (!bridge) return;
      if (const std::string why = config::check_bridge(*bridge); !why.empty()) {
        std::string warning = bridge_at;
        warning += "bridge \"" + bridge->name + "\" ignored: " + why;
        out.warnings.push_back(std::move(warning));
      } else {
        out.bridges.push_back(std::move(*bridge));
      }
      bridge.reset();
    };
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view raw = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      ++line_no;
      const std::string_view line = trim(raw);
      if (line.empty() || line.starts_with('#')) continue;
      const auto space = line.find_first_of(" \t");
      const std::string_view directive = line.substr(0, space);
      const std::string_view value = space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
      const std::string where = name + ":" + std::to_string(line_no) + ": ";
      auto warn = [&](const std::string& what) { out.warnings.push_back(where + what); };
      if (directive == "connection") {
        end_bridge();
        bridge.emplace();
        bridge->name = std::string(value);
        bridge_at = where;
        if (value.empty() || value.find_first_of("/+#") != std::string_view::npos) {
          warn("connection needs a name without / + or #; the bridge is ignored");
          bridge.reset();
        }
        continue;
      }
      if (bridge) {
        if (const auto taken = config::apply_bridge_directive(*bridge, directive, value)) {
          if (!taken->empty()) warn(*taken);
          continue;
        }
        end_bridge();
      }
      if (directive == "acl_file" || directive == "password_file") {
        if (value.empty()) {
          warn(std::string(directive) + " needs a file name; ignored");
        } else {
          // A relative name is relative to the folder of the file naming it.
          std::filesystem::path path(value);
          if (path.is_relative()) path = std::filesystem::path(name).parent_path() / path;
          (directive == "acl_file" ? out.acl_files : out.password_files).push_back(path.lexically_normal().string());
        }
      } else if (directive == "log_type") {
        if (std::find(kLogTypes.begin(), kLogTypes.end(), value) == kLogTypes.end()) {
          warn("log_type \"" + std::string(value) + "\" is not a log type; ignored");
        } else {
          out.log_types.emplace_back(value);
        }
      } else if (directive == "log_dest") {
        const std::string_view dest = value.substr(0, value.find_first_of(" \t"));
        if (std::find(kLogDests.begin(), kLogDests.end(), dest) == kLogDests.end()) {
          warn("log_dest \"" + std::string(value) + "\" ignored: the add-on logs to stdout, stderr, syslog or topic");
        } else {
          out.log_dests.emplace_back(dest);
        }
      } else if (directive == "connection_messages" || directive == "allow_anonymous") {
        const auto b = parse_bool(value);
        if (!b) {
          warn(std::string(directive) + " must be true or false; ignored");
        } else if (directive == "connection_messages") {
          out.connection_messages = b;
        } else {
          out.allow_anonymous = b;
        }
      } else if (directive == "max_queued_messages") {
        std::uint32_t n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc{} || end != value.data() + value.size() || n < 100 || n > 1'000'000) {
          warn("max_queued_messages needs a number from 100 to 1000000; ignored");
        } else {
          out.max_queued_messages = n;
        }
      } else if (directive == "listener" || directive == "port" || directive == "protocol" ||
                 directive == "persistence" || directive == "persistence_location" || directive == "certfile" ||
                 directive == "keyfile" || directive == "cafile") {
        warn(std::string(directive) + " ignored: the add-on sets it (use the add-on's options)");
      } else {
        warn("\"" + std::string(directive) + "\" is not a setting Roost takes from the customize folder; ignored");
      }
    }
    end_bridge();
  }
  return out;
}

}  // namespace roost::addon
