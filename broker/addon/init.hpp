#pragma once
// roost addon init: run once at every start of the add-on, before the
// broker. Reads /data/options.json, creates or reuses /data/system_user.json,
// reads the customize folder, and writes /etc/roost/roost.toml, the password
// and ACL files (mode 0600) and the credentials file in /config. After a
// restore from a Home Assistant backup it puts the database copy that
// `roost addon backup-pre` made back in place. Every file is written
// atomically; on any error nothing is half-written and the exit code is 1.

#include <string>

#include "addon/translate.hpp"
#include "core/log.hpp"

namespace roost::addon {

struct InitPaths {
  std::string options = "/data/options.json";
  Environment env;  // folders; the *_exists and ipv6 fields are found out by run_init
};

// Returns the process exit code; progress and problems go to `log`.
int run_init(InitPaths paths, const core::Logger& log);

// The same image outside Home Assistant (no options.json, no Supervisor
// token: `podman run -v roost-data:/data IMAGE`): env.out_dir/roost.toml
// becomes a copy of the first roost.toml in env.config_dir or env.data_dir,
// or else a default (every address, port 1883, persistence in data_dir).
int run_standalone_init(const Environment& env, const core::Logger& log);

// The database copy a Home Assistant backup carries (the live database is
// excluded from backups): written by backup-pre, removed by backup-post.
std::string backup_copy_path(const std::string& data_dir);
int backup_pre(const std::string& data_dir, const core::Logger& log);
int backup_post(const std::string& data_dir, const core::Logger& log);

}  // namespace roost::addon
