#pragma once
// `roost import`: a mosquitto.conf (and the files of its include_dir)
// turned into Roost's TOML, for users who move over. Listeners with their
// TLS files, users and ACL files, limits, logging, persistence and bridges
// (`connection` blocks) carry over; what has no equivalent is a warning
// naming the file and line.

#include <string>
#include <utility>
#include <vector>

namespace roost::config {

struct ImportResult {
  std::string toml;
  std::vector<std::string> warnings;  // "file:line: what"
};

// `files`: (name, text) in the order Mosquitto reads them (the main file,
// then its include_dir files in name order).
ImportResult import_mosquitto(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace roost::config
