#include "app/log_sinks.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

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
}

LogFanout::~LogFanout() {
  if (file_ != nullptr) std::fclose(file_);
  if (syslog_fd_ >= 0) ::close(syslog_fd_);
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
  if (to_syslog_) to_syslog(type, line);
  if (to_topic_ && topic_publisher_) topic_publisher_(type, core::str_cat(time, time.empty() ? "" : ": ", line));
}

// One datagram per line to the syslog daemon's socket, in the format of
// syslog(3) (facility daemon, "roost[pid]"). Our own writer rather than
// syslog(3) so the socket is configurable (containers, tests). A daemon that
// is not there (yet) costs a failed send; the next line tries again.
void LogFanout::to_syslog(core::LogType type, std::string_view line) {
  int severity = LOG_INFO;
  if (type == core::LogType::kError) severity = LOG_ERR;
  if (type == core::LogType::kWarning) severity = LOG_WARNING;
  if (type == core::LogType::kNotice) severity = LOG_NOTICE;
  if (type == core::LogType::kDebug) severity = LOG_DEBUG;
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  const std::string datagram = core::str_cat("<", LOG_DAEMON | severity, ">", std::string_view(stamp, n), " roost[",
                                             static_cast<long>(::getpid()), "]: ", line);
  const std::lock_guard lock(syslog_mutex_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (syslog_fd_ < 0) {
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      if (settings_.syslog_socket.size() >= sizeof address.sun_path) return;
      std::memcpy(address.sun_path, settings_.syslog_socket.c_str(), settings_.syslog_socket.size() + 1);
      syslog_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (syslog_fd_ < 0) return;
      if (::connect(syslog_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(syslog_fd_);
        syslog_fd_ = -1;
        return;
      }
    }
    if (::send(syslog_fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL) >= 0) return;
    ::close(syslog_fd_);  // the daemon restarted: reconnect once
    syslog_fd_ = -1;
  }
}

}  // namespace roost::app
