#pragma once
// Where log lines go: stdout, stderr, a file, syslog, and the
// $SYS/broker/log/<type> topics. One sink fans out to the configured
// destinations, prefixing a timestamp when asked.

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/log.hpp"

namespace roost::app {

class LogFanout : public core::LogSink {
 public:
  // Opens the destinations of `settings`; throws std::runtime_error when the file cannot be opened.
  explicit LogFanout(const config::LogSettings& settings);
  ~LogFanout() override;
  void write(core::LogType type, std::string_view line) override;

  // The "topic" destination: lines go to `publish` (timestamped as
  // Mosquitto does: "<time>: <line>"). Set it before the broker runs and
  // clear it (nullptr) before the broker goes away.
  using TopicPublisher = std::function<void(core::LogType, std::string)>;
  void set_topic_publisher(TopicPublisher publish) { topic_publisher_ = std::move(publish); }
  bool wants_topic() const noexcept { return to_topic_; }

 private:
  std::string timestamp() const;
  void to_syslog(core::LogType type, std::string_view line);

  config::LogSettings settings_;
  bool to_stdout_ = false;
  bool to_stderr_ = false;
  bool to_syslog_ = false;
  std::mutex syslog_mutex_;  // guards syslog_fd_ (reconnects)
  int syslog_fd_ = -1;
  bool to_topic_ = false;
  TopicPublisher topic_publisher_;
  std::FILE* file_ = nullptr;
};

}  // namespace roost::app
