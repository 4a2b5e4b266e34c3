#include "config/config.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <toml++/toml.h>

#include "config/bridge_config.hpp"
#include "config/table_reader.hpp"

namespace roost::config {

using detail::TableReader;

namespace {

void read_listener(const toml::table& t, std::string_view source, Listener& out, std::string& errors) {
  TableReader r(t, source, "listener");
  r.string("address", out.address);
  r.number("port", out.port, 0, 65535);
  if (const toml::node* p = r.take("protocol")) {
    const auto value = p->value<std::string>();
    if (value == "mqtt" || value == "websockets") {
      out.protocol = *value;
    } else {
      r.error(*p, "protocol", "must be \"mqtt\" or \"websockets\"");
    }
  }
  bool anonymous = false;
  if (r.take("allow_anonymous") != nullptr) {
    r.boolean("allow_anonymous", anonymous);
    out.allow_anonymous = anonymous;
  }
  r.boolean("use_username_as_clientid", out.use_username_as_clientid);
  transport::TlsSettings tls;
  r.string("certfile", tls.certfile);
  r.string("keyfile", tls.keyfile);
  r.string("keyfile_password", tls.keyfile_password);
  r.string("cafile", tls.cafile);
  r.string("capath", tls.capath);
  r.boolean("require_certificate", tls.require_certificate);
  r.boolean("use_identity_as_username", tls.use_identity_as_username);
  r.boolean("use_subject_as_username", tls.use_subject_as_username);
  if (const toml::node* v = r.take("tls_version")) {
    const auto value = v->value<std::string>();
    if (value == "tlsv1.2" || value == "tlsv1.3") {
      tls.tls_version = *value;
    } else {
      r.error(*v, "tls_version", "must be \"tlsv1.2\" or \"tlsv1.3\" (older versions are not offered)");
    }
  }
  r.string("ciphers", tls.ciphers);
  r.string("ciphers_tls13", tls.ciphers_tls13);
  const bool has_tls = !tls.certfile.empty() || !tls.keyfile.empty();
  if (has_tls && (tls.certfile.empty() || tls.keyfile.empty())) {
    r.error(t, "certfile", "and keyfile go together: a TLS listener needs both");
  }
  const bool tls_only = !tls.cafile.empty() || !tls.capath.empty() || tls.require_certificate ||
                        tls.use_identity_as_username || tls.use_subject_as_username || !tls.ciphers.empty() ||
                        !tls.ciphers_tls13.empty() || !tls.keyfile_password.empty();
  if (!has_tls && tls_only)
    r.error(t, "certfile", "is missing: the TLS settings of this listener need certfile and keyfile");
  if (has_tls && (tls.require_certificate || tls.use_identity_as_username || tls.use_subject_as_username) &&
      tls.cafile.empty() && tls.capath.empty()) {
    r.error(t, "cafile", "is needed to verify client certificates (require_certificate, use_identity_as_username)");
  }
  if (has_tls) out.tls = std::move(tls);
  r.reject_unknown();
  errors += r.errors();
}

// A list of ACL rule strings ("[read|write|readwrite|deny] <filter>").
void read_rules(TableReader& r, std::string_view key, bool pattern, const std::function<void(auth::AclRule)>& add) {
  const toml::node* node = r.take(key);
  if (node == nullptr) return;
  const toml::array* list = node->as_array();
  if (list == nullptr) return r.error(*node, key, "must be a list of rules such as \"readwrite home/#\"");
  for (const toml::node& item : *list) {
    const auto text = item.value<std::string>();
    if (!text) {
      r.error(item, key, "entries must be strings such as \"read sensors/+\"");
      continue;
    }
    auto rule = auth::parse_acl_rule(*text, pattern);
    if (!rule) {
      r.error(item, key, "entry \"" + *text + "\": " + rule.error());
      continue;
    }
    add(std::move(*rule));
  }
}

// [[user]] tables, [acl], and the files they extend.
void read_auth(TableReader& r, std::string_view source, AuthSettings& out, std::string& errors) {
  r.string("password_file", out.password_file);
  if (const toml::node* node = r.take("acl_file")) {
    if (const auto one = node->value<std::string>()) {
      if (!one->empty()) out.acl_files.push_back(*one);
    } else if (const toml::array* list = node->as_array()) {
      for (const toml::node& item : *list) {
        if (const auto path = item.value<std::string>(); path && !path->empty()) {
          out.acl_files.push_back(*path);
        } else {
          r.error(item, "acl_file", "entries must be file names");
        }
      }
    } else {
      r.error(*node, "acl_file", "must be a file name or a list of file names");
    }
  }
  std::optional<bool> anonymous;
  if (r.take("allow_anonymous") != nullptr) {
    bool value = true;
    r.boolean("allow_anonymous", value);
    anonymous = value;
  }
  auto users = std::make_shared<auth::PasswordFile>();
  auto acl = std::make_shared<auth::Acl>();
  bool has_rules = false;
  if (!out.password_file.empty()) {
    auto file = auth::PasswordFile::load(out.password_file);
    if (file) {
      *users = std::move(*file);
    } else {
      errors += file.error() + "\n";
    }
  }
  for (const std::string& path : out.acl_files) {
    has_rules = true;
    auto file = auth::Acl::load(path);
    if (file) {
      acl->merge(*file);
    } else {
      errors += file.error() + "\n";
    }
  }
  if (const toml::node* list = r.take("user")) {
    const toml::array* tables = list->as_array();
    if (tables == nullptr || !tables->is_array_of_tables()) {
      r.error(*list, "user", "must be [[user]] tables");
    } else {
      for (const toml::node& node : *tables) {
        TableReader u(*node.as_table(), source, "user");
        std::string name;
        std::string hash;
        u.string("name", name);
        u.string("password_hash", hash);
        if (name.empty()) u.error(node, "name", "is missing: every [[user]] has a name");
        if (!hash.empty()) {
          auto parsed = auth::PasswordHash::parse(hash);
          if (!parsed) {
            u.error(*node.as_table()->get("password_hash"), "password_hash", parsed.error());
          } else if (name.empty()) {
            // reported above
          } else if (users->find(name) != nullptr) {
            u.error(node, "name", "\"" + name + "\" already has a password (twice, or also in password_file)");
          } else {
            users->add(auth::PasswordEntry{name, std::move(*parsed), hash});
          }
        }
        read_rules(u, "acl", false, [&](auth::AclRule rule) {
          has_rules = true;
          acl->add_user(name, std::move(rule));
        });
        u.reject_unknown();
        errors += u.errors();
      }
    }
  }
  if (const toml::node* node = r.take("acl")) {
    if (const toml::table* t = node->as_table()) {
      TableReader a(*t, source, "acl");
      read_rules(a, "anonymous", false, [&](auth::AclRule rule) {
        has_rules = true;
        acl->add_anonymous(std::move(rule));
      });
      read_rules(a, "patterns", true, [&](auth::AclRule rule) {
        has_rules = true;
        acl->add_pattern(std::move(rule));
      });
      read_rules(a, "other_users", false, [&](auth::AclRule rule) {
        has_rules = true;
        acl->add_other_user(std::move(rule));
      });
      a.reject_unknown();
      errors += a.errors();
    } else {
      r.error(*node, "acl", "must be an [acl] table");
    }
  }
  if (users->size() != 0) out.users = std::move(users);
  if (has_rules) out.acl = std::move(acl);
  // Anonymous clients are welcome until someone has a password (Mosquitto 2
  // refuses them on any configured listener; Roost says so in a warning).
  out.allow_anonymous = anonymous.value_or(out.users == nullptr);
}

void read_log(const toml::table& t, std::string_view source, LogSettings& out, std::string& errors) {
  TableReader r(t, source, "log");
  if (const toml::node* dest = r.take("destinations")) {
    out.destinations.clear();
    const toml::array* list = dest->as_array();
    if (list == nullptr) r.error(*dest, "destinations", "must be a list of strings");
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
      const toml::node& d = *list->get(i);
      const auto name = d.value<std::string>();
      if (!name ||
          (*name != "stdout" && *name != "stderr" && *name != "file" && *name != "syslog" && *name != "topic")) {
        r.error(d, "destinations", "entries must be \"stdout\", \"stderr\", \"file\", \"syslog\" or \"topic\"");
      } else {
        out.destinations.push_back(*name);
      }
    }
  }
  if (const toml::node* types = r.take("types")) {
    out.types = 0;
    const toml::array* list = types->as_array();
    if (list == nullptr) r.error(*types, "types", "must be a list of strings");
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
      const toml::node& t2 = *list->get(i);
      const std::string name = t2.value<std::string>().value_or("");
      static constexpr std::pair<std::string_view, core::LogType> kTypes[] = {
          {"error", core::LogType::kError},
          {"warning", core::LogType::kWarning},
          {"notice", core::LogType::kNotice},
          {"information", core::LogType::kInformation},
          {"debug", core::LogType::kDebug},
          {"subscribe", core::LogType::kSubscribe},
          {"unsubscribe", core::LogType::kUnsubscribe}};
      bool found = name == "all" || name == "none";
      if (name == "all") out.types = 0x7F;
      for (const auto& [n, type] : kTypes) {
        if (n == name) {
          out.types |= static_cast<std::uint32_t>(type);
          found = true;
        }
      }
      if (!found)
        r.error(t2, "types",
                "entries must be error, warning, notice, information, debug, subscribe, unsubscribe, all or none");
    }
  }
  r.string("file", out.file);
  r.string("syslog_socket", out.syslog_socket);
  r.boolean("connection_messages", out.connection_messages);
  r.boolean("timestamps", out.timestamps);
  r.string("timestamp_format", out.timestamp_format);
  r.reject_unknown();
  errors += r.errors();
}

void read_mqtt(TableReader& r, engine::EngineSettings& e) {
  r.number("max_inflight_messages", e.max_inflight_messages, 0, 65535);
  r.number("max_queued_messages", e.max_queued_messages, 0, std::numeric_limits<std::int32_t>::max());
  r.number("max_queued_bytes", e.max_queued_bytes, 0, std::numeric_limits<std::int64_t>::max());
  r.boolean("queue_qos0_messages", e.queue_qos0_messages);
  r.boolean("upgrade_outgoing_qos", e.upgrade_outgoing_qos);
  r.number("max_keepalive", e.max_keepalive, 0, 65535);
  r.number("max_client_id_length", e.max_client_id_length, 1, 65535);
  r.boolean("allow_zero_length_clientid", e.allow_zero_length_clientid);
  r.string("auto_id_prefix", e.auto_id_prefix);
  r.string("response_topic_prefix", e.response_topic_prefix);
  r.number("persistent_client_expiration", e.persistent_client_expiration, 0, 0xFFFFFFFE);
  r.number("receive_maximum", e.receive_maximum, 1, 65535);
  r.number("max_topic_alias", e.topic_alias_maximum, 0, 65535);
  r.boolean("retain_available", e.retain_available);
  std::uint8_t qos = static_cast<std::uint8_t>(e.maximum_qos);
  r.number("max_qos", qos, 0, 2);
  e.maximum_qos = static_cast<protocol::QoS>(qos);
  r.number("message_size_limit", e.message_size_limit, 0, 268'435'455);
  r.number("max_topic_length", e.max_topic_length, 0, 65535);
  r.number("max_topic_levels", e.max_topic_levels, 0, 65535);
}

}  // namespace

Config default_config() {
  Config c;
  for (const char* address : {"127.0.0.1", "::1"}) {
    Listener l;
    l.address = address;
    c.listeners.push_back(l);
  }
  return c;
}

core::Result<Config, ConfigError> parse_config(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return core::fail(ConfigError{std::string(source) + ":" + std::to_string(where.line) + ":" +
                                  std::to_string(where.column) + ": " + std::string(e.description())});
  }
  Config c;
  c.source = source;
  std::string errors;
  TableReader r(root, source, "");
  r.number("threads", c.threads, 0, 64);
  r.number("max_packet_size", c.max_packet_size, 0, 268'435'460);
  r.number("max_connections", c.max_connections, 0, std::numeric_limits<std::int32_t>::max());
  r.number("sys_interval", c.sys_interval, 0, 86400);
  r.number("connect_timeout", c.connect_timeout, 1, 3600);
  r.number("max_output_buffer", c.max_output_buffer, 4096, std::numeric_limits<std::int32_t>::max());
  read_mqtt(r, c.engine);
  read_auth(r, source, c.auth, errors);
  c.engine.maximum_packet_size = c.max_packet_size;
  if (const toml::node* listeners = r.take("listener")) {
    const toml::array* list = listeners->as_array();
    if (list == nullptr || !list->is_array_of_tables()) {
      r.error(*listeners, "listener", "must be [[listener]] tables");
    } else {
      for (const toml::node& l : *list) {
        Listener listener;
        read_listener(*l.as_table(), source, listener, errors);
        if (listener.address.empty()) listener.address = "0.0.0.0";
        c.listeners.push_back(listener);
      }
    }
  }
  if (const toml::node* persistence = r.take("persistence")) {
    if (const toml::table* t = persistence->as_table()) {
      TableReader p(*t, source, "persistence");
      p.string("path", c.persistence.path);
      if (const toml::node* d = p.take("durability")) {
        const auto value = d->value<std::string>();
        if (value == "periodic" || value == "strict") {
          c.persistence.durability = *value;
        } else {
          p.error(*d, "durability", "must be \"periodic\" or \"strict\"");
        }
      }
      p.number("flush_interval", c.persistence.flush_interval, 1, 3600);
      c.engine.acks_after_commit = c.persistence.durability == "strict" && !c.persistence.path.empty();
      p.reject_unknown();
      errors += p.errors();
    } else {
      r.error(*persistence, "persistence", "must be a [persistence] table");
    }
  }
  if (const toml::node* ha = r.take("home_assistant")) {
    if (const toml::table* t = ha->as_table()) {
      TableReader h(*t, source, "home_assistant");
      c.home_assistant.enabled = true;
      h.string("supervisor", c.home_assistant.supervisor);
      h.boolean("auth", c.home_assistant.auth);
      if (!c.home_assistant.supervisor.starts_with("http://")) {
        h.error(*t, "supervisor", "must be an http:// URL such as \"http://supervisor\"");
      }
      h.reject_unknown();
      errors += h.errors();
    } else {
      r.error(*ha, "home_assistant", "must be a [home_assistant] table");
    }
  }
  if (const toml::node* bridges = r.take("bridge")) detail::read_bridges(*bridges, source, c.bridges, errors);
  if (const toml::node* log = r.take("log")) {
    if (const toml::table* t = log->as_table()) {
      read_log(*t, source, c.log, errors);
    } else {
      r.error(*log, "log", "must be a [log] table");
    }
  }
  r.reject_unknown();
  errors = r.errors() + errors;
  if (c.listeners.empty() && errors.empty()) c.listeners = default_config().listeners;
  if (!errors.empty()) {
    errors.pop_back();  // the last newline
    return core::fail(ConfigError{errors});
  }
  return c;
}

core::Result<Config, ConfigError> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(ConfigError{path + ": cannot read the file"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace roost::config
