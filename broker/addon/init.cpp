#include "addon/init.hpp"

#include <algorithm>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/password_hash.hpp"
#include "config/config.hpp"
#include "core/files.hpp"
#include "net/listener.hpp"
#include "store/sqlite_store.hpp"

namespace roost::addon {
namespace {

namespace fs = std::filesystem;
using core::LogType;

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

// The customize folder's *.conf files, in name order.
std::vector<std::pair<std::string, std::string>> read_customize(const std::string& dir, const core::Logger& log) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    log.log(LogType::kWarning, "customize: " + dir + " is not a folder; nothing to read from it");
    return files;
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".conf" && entry.is_regular_file(ec)) names.push_back(entry.path().string());
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string text;
    std::string error;
    if (!core::read_text_file(name, text, error)) {
      log.log(LogType::kWarning, "customize: " + error);
      continue;
    }
    files.emplace_back(name, std::move(text));
  }
  if (files.empty()) log.log(LogType::kWarning, "customize: no *.conf files in " + dir);
  return files;
}

bool write(const std::string& path, const std::string& text, const core::Logger& log) {
  std::string error;
  if (core::write_file_atomically(path, text, 0600, error)) return true;
  log.log(LogType::kError, error);
  return false;
}

std::string hash_password(const std::string& password, bool strong) {
  // Generated passwords have 380 bits of entropy: stretching them buys nothing.
  return auth::PasswordHash::make(password, strong ? 100'000 : 1'000).to_string();
}

}  // namespace

std::string backup_copy_path(const std::string& data_dir) { return data_dir + "/roost-backup.db"; }

int run_standalone_init(const Environment& env, const core::Logger& log) {
  const std::string out = env.out_dir + "/roost.toml";
  std::error_code ec;
  fs::create_directories(env.out_dir, ec);
  if (ec) {
    log.log(LogType::kError, "cannot create " + env.out_dir + ": " + ec.message());
    return 1;
  }
  for (const std::string& own : {env.config_dir + "/roost.toml", env.data_dir + "/roost.toml"}) {
    if (!exists(own)) continue;
    std::string text;
    std::string error;
    if (!core::read_text_file(own, text, error)) {
      log.log(LogType::kError, error);
      return 1;
    }
    if (!write(out, text, log)) return 1;
    log.log(LogType::kNotice, "Not under a Home Assistant Supervisor: using " + own);
    return 0;
  }
  const std::string text =
      "# Written by `roost addon init`: this container runs outside Home Assistant\n"
      "# (no " +
      env.data_dir + "/options.json) and has no roost.toml of its own in " + env.config_dir + " or " + env.data_dir +
      ".\n"
      "# Put one there to replace this default (docs/configuration.md).\n"
      "[[listener]]\n"
      "address = \"" +
      std::string(exists("/proc/net/if_inet6") ? "::" : "0.0.0.0") +
      "\"\n"
      "port = 1883\n"
      "\n"
      "[persistence]\n"
      "path = \"" +
      env.data_dir +
      "/roost.db\"\n"
      "\n"
      "[log]\n"
      "destinations = [\"stdout\"]\n";
  if (!write(out, text, log)) return 1;
  log.log(LogType::kNotice,
          "Not under a Home Assistant Supervisor: the default configuration (port 1883, "
          "anonymous clients, persistence in " +
              env.data_dir + "); a roost.toml in " + env.config_dir + " or " + env.data_dir + " replaces it");
  return 0;
}

int run_init(InitPaths paths, const core::Logger& log) {
  Environment& env = paths.env;
  std::string text;
  std::string error;
  if (!core::read_text_file(paths.options, text, error)) {
    log.log(LogType::kError, error + " (the Supervisor writes it from the add-on's options)");
    return 1;
  }
  auto options = parse_options(text);
  if (!options) {
    log.log(LogType::kError, options.error());
    return 1;
  }

  // System users: reused as they are; created (or extended) only when needed.
  const std::string users_path = env.data_dir + "/system_user.json";
  std::optional<std::string> existing;
  if (std::string users_text; core::read_text_file(users_path, users_text, error)) {
    existing = std::move(users_text);
  } else if (exists(users_path)) {
    log.log(LogType::kError, error);
    return 1;
  }
  auto users = ensure_system_users(existing, system_user_names(*options), generate_password);
  if (!users) {
    log.log(LogType::kError, users_path + " " + users.error());
    return 1;
  }
  if (users->new_text) {
    if (!write(users_path, *users->new_text, log)) return 1;
    log.log(LogType::kNotice, std::string(existing ? "Added users to " : "Created ") + users_path);
  }

  CustomizeSettings customize;
  if (options->customize_active) {
    customize = parse_customize(read_customize(env.share_dir + "/" + options->customize_folder, log));
  }
  for (const std::string& file : customize.password_files) {
    auto parsed = auth::PasswordFile::load(file);
    if (!parsed) {
      log.log(LogType::kWarning, "customize: password_file " + parsed.error() + "; its users cannot log in");
      continue;
    }
    for (const auth::PasswordEntry* e : parsed->entries())
      customize.password_entries.emplace_back(e->username, e->stored);
  }
  for (const std::string& acl : customize.acl_files) {
    if (auto parsed = auth::Acl::load(acl); !parsed) {
      log.log(LogType::kError, "customize: acl_file " + parsed.error());
      return 1;
    }
  }

  env.certfile_exists = exists(env.ssl_dir + "/" + options->certfile);
  env.keyfile_exists = exists(env.ssl_dir + "/" + options->keyfile);
  env.cafile_exists = options->cafile && exists(env.ssl_dir + "/" + *options->cafile);
  env.ipv6 = exists("/proc/net/if_inet6");
  if (env.certfile_exists && env.keyfile_exists) {
    // A certificate the broker cannot load would stop it at every start:
    // without TLS, plain MQTT still serves the house.
    net::Endpoint probe;
    probe.address = "::";
    probe.port = 8883;
    transport::TlsSettings tls;
    tls.certfile = env.ssl_dir + "/" + options->certfile;
    tls.keyfile = env.ssl_dir + "/" + options->keyfile;
    tls.cafile = env.cafile_exists ? env.ssl_dir + "/" + *options->cafile : tls.certfile;
    tls.require_certificate = options->require_certificate;
    probe.tls = tls;
    try {
      net::make_listener_context(probe);
    } catch (const std::exception& e) {
      env.tls_problem = e.what();
    }
  }
  if (env.hostname.empty()) env.hostname = hostname();

  auto t = translate(*options, *users, customize, env, hash_password);
  if (!t) {
    log.log(LogType::kError, t.error());
    return 1;
  }
  for (const std::string& w : t->warnings) log.log(LogType::kWarning, w);
  for (const std::string& n : t->notices) log.log(LogType::kNotice, n);

  std::error_code ec;
  fs::create_directories(env.out_dir, ec);
  ::chmod(env.out_dir.c_str(), 0700);
  const std::string toml = env.out_dir + "/roost.toml";
  if (!write(env.out_dir + "/passwd", t->passwd, log) || !write(env.out_dir + "/acl", t->acl, log) ||
      !write(toml, t->toml, log)) {
    return 1;
  }
  if (fs::is_directory(env.config_dir, ec)) {
    if (!write(env.config_dir + "/credentials", t->credentials, log)) return 1;
  } else {
    log.log(LogType::kWarning,
            "No add-on config folder at " + env.config_dir + ": the generated passwords are only in " + users_path);
  }

  // After a restore: the backup carried the database copy, not the database.
  const std::string db = env.data_dir + "/roost.db";
  const std::string copy = backup_copy_path(env.data_dir);
  if (!exists(db) && exists(copy)) {
    fs::rename(copy, db, ec);
    if (ec) {
      log.log(LogType::kError, "Cannot restore " + copy + " to " + db + ": " + ec.message());
      return 1;
    }
    log.log(LogType::kNotice, "Restored the database from the backup's copy " + copy);
  }

  // The broker would refuse what we wrote: say so now, with file:line.
  if (auto checked = config::load_config(toml); !checked) {
    log.log(LogType::kError, checked.error().message);
    return 1;
  }
  log.log(LogType::kNotice, "Wrote " + toml + " with " + std::to_string(options->logins.size()) + " login" +
                                (options->logins.size() == 1 ? "" : "s") + " and " +
                                std::to_string(users->users.size()) + " add-on users");
  return 0;
}

int backup_pre(const std::string& data_dir, const core::Logger& log) {
  const std::string db = data_dir + "/roost.db";
  if (!exists(db)) {
    log.log(LogType::kNotice, "backup-pre: no database yet; nothing to copy");
    return 0;
  }
  const std::string error = store::SqliteStore::backup(db, backup_copy_path(data_dir));
  if (!error.empty()) {
    log.log(LogType::kError, "backup-pre: " + error);
    return 1;
  }
  log.log(LogType::kNotice, "backup-pre: copied " + db + " to " + backup_copy_path(data_dir));
  return 0;
}

int backup_post(const std::string& data_dir, const core::Logger& log) {
  std::error_code ec;
  fs::remove(backup_copy_path(data_dir), ec);
  if (ec) {
    log.log(LogType::kError, "backup-post: cannot remove " + backup_copy_path(data_dir) + ": " + ec.message());
    return 1;
  }
  return 0;
}

}  // namespace roost::addon
