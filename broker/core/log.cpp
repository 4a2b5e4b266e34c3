#include "core/log.hpp"

namespace roost::core {

std::string_view to_string(LogType type) noexcept {
  switch (type) {
    case LogType::kError:
      return "error";
    case LogType::kWarning:
      return "warning";
    case LogType::kNotice:
      return "notice";
    case LogType::kInformation:
      return "information";
    case LogType::kDebug:
      return "debug";
    case LogType::kSubscribe:
      return "subscribe";
    case LogType::kUnsubscribe:
      return "unsubscribe";
  }
  return "log";
}

}  // namespace roost::core
