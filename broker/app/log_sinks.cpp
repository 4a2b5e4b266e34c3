#include "app/log_sinks.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <syslog.h>

namespace roost::app {

LogFanout::LogFanout(const config::LogSettings& settings) : core::LogSink(settings.types), settings_(settings) {
  auto has = [&](std::string_view d) {
    return std::find(settings.destinations.begin(), settings.destinations.end(), d) != settings.destinations.end();
  };
  to_stdout_ = has("stdout");
  to_stderr_ = has("stderr");
  to_syslog_ = has("syslog");
  to_topic_ = has("topic");
  if (has("file")) {
    file_ = std::fopen(settings.file.c_str(), "a");
    if (file_ == nullptr) {
      throw std::runtime_error("cannot open log file " + settings.file + ": " + std::strerror(errno));
    }
  }
  if (to_syslog_) openlog("roost", LOG_PID, LOG_DAEMON);
}

LogFanout::~LogFanout() {
  if (file_ != nullptr) std::fclose(file_);
  if (to_syslog_) closelog();
}

std::string LogFanout::timestamp() const {
  std::string out;
  if (settings_.timestamps) {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[128];
    // The format is the user's timestamp_format setting, by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    const std::size_t n = std::strftime(buf, sizeof buf, settings_.timestamp_format.c_str(), &tm);
#pragma GCC diagnostic pop
    out.assign(buf, n);
  }
  return out;
}

void LogFanout::write(core::LogType type, std::string_view line) {
  const std::string time = timestamp();
  const std::string text = core::str_cat(time, time.empty() ? "" : " ", core::to_string(type), ": ", line, "\n");
  if (to_stdout_) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  if (to_stderr_) std::fwrite(text.data(), 1, text.size(), stderr);
  if (file_ != nullptr) {
    std::fwrite(text.data(), 1, text.size(), file_);
    std::fflush(file_);
  }
  if (to_syslog_) {
    int priority = LOG_INFO;
    if (type == core::LogType::kError) priority = LOG_ERR;
    if (type == core::LogType::kWarning) priority = LOG_WARNING;
    if (type == core::LogType::kNotice) priority = LOG_NOTICE;
    if (type == core::LogType::kDebug) priority = LOG_DEBUG;
    syslog(priority, "%.*s", static_cast<int>(line.size()), line.data());
  }
  if (to_topic_ && topic_publisher_) topic_publisher_(type, core::str_cat(time, time.empty() ? "" : ": ", line));
}

}  // namespace roost::app
