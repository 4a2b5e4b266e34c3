#pragma once
// What `roost sub` prints for each message it receives: byte for byte what
// mosquitto_sub 2.0.11 (Debian 12, built with cJSON 1.7.15) prints for the
// same message and flags, quirks included. Pure: no I/O and no clock of its
// own (the arrival time is passed in). The golden strings in
// tests/unit/cli/sub_format_test.cpp were recorded from the real binary.
//
// Two pieces of process state are read, as mosquitto_sub reads them: the
// time zone (localtime_r, for @ fields, %I and %j/%J's "tst") and the C
// library's locale, which must stay "C" as mosquitto_sub never calls
// setlocale: LC_TIME for @a, @c and friends, LC_NUMERIC for %J's numbers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roost::cli {

// One received PUBLISH as the subscriber saw it. Views must outlive the call.
struct ReceivedMessage {
  std::string_view topic;
  std::string_view payload;  // raw bytes; empty means a zero-length payload
  int qos = 0;
  bool retain = false;
  std::uint16_t packet_id = 0;  // mid; mosquitto_sub prints it (%m) even for QoS 0, where it is 0
  // MQTT 5 properties (all absent for 3.1.1).
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> response_topic;
  std::optional<std::string_view> correlation_data;
  std::vector<std::uint32_t> subscription_identifiers;  // mosquitto_sub 2.0.11 drops the connection on two
  std::vector<std::pair<std::string_view, std::string_view>> user_properties;  // in wire order
  std::optional<std::uint16_t> topic_alias;
  // Property identifiers in the order they came on the wire, one entry per
  // property (so repeated for each User Property), e.g. {0x03, 0x26, 0x26,
  // 0x02}. Only %j/%J depend on it: they list properties in wire order.
  // Empty means ascending identifier order, which is how Roost writes them;
  // Mosquitto keeps the publisher's order and moves Message Expiry last.
  std::vector<std::uint8_t> property_order;
};

struct OutputOptions {
  std::optional<std::string> format;  // -F; when set, -v is ignored
  bool verbose = false;               // -v
  bool eol = true;                    // false with -N (also drops -F's trailing newline)
  bool pretty = false;                // --pretty: indented %j/%J
  bool quiet = false;                 // --quiet: no error lines (the invalid-JSON one of %J)
  // Not here because they decide whether a message is printed, not how:
  // -R, -T, --retained-only, --remove-retained, -C and --random-filter
  // (mosquitto_sub drops the message before formatting). -d does not
  // change stdout.
};

// Wall-clock time of arrival (seconds since the epoch and nanoseconds), for
// the @ fields, %I, %U and %j/%J. Injected so that tests are deterministic.
struct Arrival {
  std::int64_t seconds = 0;
  long nanoseconds = 0;  // NOLINT(google-runtime-int): mosquitto prints a long
};

// Checks a -F argument as mosquitto_sub does while parsing its options.
// Returns the error line it prints to stderr (without the newline, e.g.
// "Error: Invalid format specifier 'k'."), or nothing if the format is valid.
// mosquitto_sub then prints "\nUse 'mosquitto_sub --help' to see usage.\n"
// and exits with status 1.
std::optional<std::string> check_format(std::string_view format);

// Appends to `out` what mosquitto_sub writes to stdout for `m`, and to `err`
// what it writes to stderr (only "Error: Message payload is not valid JSON
// on topic T.\n" for %J, unless quiet). Both may receive binary bytes.
// `options.format` should have passed check_format; other formats produce
// what mosquitto_sub would print for them, never undefined behaviour.
// Any thread; touches no shared state beyond the time zone and locale.
void format_message(const OutputOptions& options, const ReceivedMessage& m, Arrival now, std::string& out,
                    std::string& err);

// The same, dropping what would go to stderr.
void format_message(const OutputOptions& options, const ReceivedMessage& m, Arrival now, std::string& out);

}  // namespace roost::cli
