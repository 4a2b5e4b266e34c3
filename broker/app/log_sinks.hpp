#pragma once
// Where log lines go: stdout, stderr, a file, syslog. One sink fans out to
// the configured destinations, prefixing a timestamp when asked.

#include <cstdio>
#include <memory>
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

 private:
  std::string prefix(core::LogType type) const;

  config::LogSettings settings_;
  bool to_stdout_ = false;
  bool to_stderr_ = false;
  bool to_syslog_ = false;
  std::FILE* file_ = nullptr;
};

}  // namespace roost::app
