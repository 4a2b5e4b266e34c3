// roost import: a mosquitto.conf as Roost's TOML.

#include "app/import_command.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "config/config.hpp"
#include "config/mosquitto_import.hpp"

namespace roost::app {

// mosquitto.conf -> TOML on stdout, checked as `roost check` would.
int import_main(const std::string& path) {
  const auto read = [](const std::string& name, std::string& text) {
    std::ifstream in(name, std::ios::binary);
    if (!in) return false;
    std::ostringstream s;
    s << in.rdbuf();
    text = s.str();
    return true;
  };
  std::vector<std::pair<std::string, std::string>> files(1);
  files[0].first = path;
  if (!read(files[0].first, files[0].second)) {
    std::fprintf(stderr, "roost: %s: cannot read the file\n", files[0].first.c_str());
    return 1;
  }
  // include_dir: its *.conf files in name order, after the main file (as Mosquitto reads them).
  std::istringstream lines(files[0].second);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("include_dir ")) continue;
    std::filesystem::path dir(line.substr(12));
    if (dir.is_relative()) dir = std::filesystem::path(files[0].first).parent_path() / dir;
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".conf") names.push_back(entry.path().string());
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      files.emplace_back(name, "");
      if (!read(name, files.back().second)) std::fprintf(stderr, "roost: %s: cannot read the file\n", name.c_str());
    }
  }
  const roost::config::ImportResult result = roost::config::import_mosquitto(files);
  for (const std::string& w : result.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::fwrite(result.toml.data(), 1, result.toml.size(), stdout);
  if (auto parsed = roost::config::parse_config(result.toml, "(imported)"); !parsed) {
    std::fprintf(stderr, "roost: the imported configuration is not valid:\n%s\n", parsed.error().message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace roost::app
