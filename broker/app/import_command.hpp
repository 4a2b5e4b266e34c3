#pragma once
// roost import FILE: prints the mosquitto.conf FILE (with the *.conf files
// of its include_dir) as Roost's TOML on stdout, warnings on stderr; exit 1
// when the file cannot be read or the result does not load.

#include <string>

namespace roost::app {

int import_main(const std::string& path);

}  // namespace roost::app
