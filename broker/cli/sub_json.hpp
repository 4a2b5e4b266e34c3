#pragma once
// The %j and %J fields of `roost sub -F`: the JSON object mosquitto_sub
// 2.0.11 builds for a message, printed (and %J's payload parsed) as cJSON
// 1.7.15 does. Private to the cli layer; sub_format.cpp is its only user.

#include <ctime>
#include <string>
#include <string_view>

#include "cli/sub_format.hpp"

namespace roost::cli::detail {

// mosquitto_sub handles topics, strings and the format itself as C strings:
// whatever follows a NUL byte is not printed.
inline std::string_view c_string(std::string_view s) { return s.substr(0, s.find('\0')); }

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// mosquitto's json_print() for `m` received at `tm` (local time) and
// `nanoseconds`: %j when `escaped`, else %J. Appends the object to `out` and
// returns true, or returns false with nothing appended when %J's payload is
// not JSON. Any thread; reads the C library's LC_NUMERIC locale.
bool append_json(const OutputOptions& options, const ReceivedMessage& m, const std::tm& tm, long nanoseconds,
                 bool escaped, std::string& out);

}  // namespace roost::cli::detail
