// Malformed and invalid MQTT input, table-driven: every case names the exact
// DecodeErrc and the MQTT 5.0 reason code it carries, and is checked fed
// whole, split at every byte boundary, and byte by byte (the error must not
// depend on how the bytes arrive). Then failure_response(): what a server does
// about each kind of failure.
//
// Clauses are MQTT 5.0 unless marked "3.1.1:" (the two number some clauses
// differently). Where the spec gives a MUST but no class (Malformed Packet or
// Protocol Error), the classification in errors.cpp is the reference.
// A few positive checks pin down leniencies (3.1.1 non-minimal remaining
// length, 5.0 password without user name, 3.1 quirks) next to the cases they
// contrast with.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "codec_test_util.hpp"

namespace roost::protocol::test {
namespace {

using E = DecodeErrc;
using RC = ReasonCode;

constexpr Role kC = Role::kClient;  // sent by a client, decoded by a server
constexpr Role kS = Role::kServer;  // sent by a server, decoded by a client
constexpr ProtocolVersion k31 = ProtocolVersion::kV31;
constexpr ProtocolVersion k311 = ProtocolVersion::kV311;
constexpr ProtocolVersion k5 = ProtocolVersion::kV5;
constexpr RC kMP = RC::kMalformedPacket;  // 0x81
constexpr RC kPE = RC::kProtocolError;    // 0x82

// ---------------------------------------------------------------------------
// Wire builders. The remaining length and every length prefix are computed,
// so a case's bytes are wrong only where the case means them to be.

// A minimal Variable Byte Integer [MQTT-1.5.5].
Bytes vbi(std::uint32_t v) {
  Bytes out;
  do {
    auto byte = static_cast<std::uint8_t>(v % 128);
    v /= 128;
    if (v > 0) byte |= 0x80;
    out.push_back(byte);
  } while (v > 0);
  return out;
}

// Two length bytes (big-endian) and `raw`: a UTF-8 string or binary field.
Bytes field(const Bytes& raw) {
  return concat({bytes({static_cast<std::uint8_t>(raw.size() >> 8), static_cast<std::uint8_t>(raw.size())}), raw});
}
Bytes str(std::string_view s) { return field(text(s)); }

// First byte (type and flags), minimal remaining length, body.
Bytes pkt(std::uint8_t first, const Bytes& body) {
  return concat({bytes({first}), vbi(static_cast<std::uint32_t>(body.size())), body});
}

// As pkt(), with the remaining length (< 128) in two bytes: L|0x80, 0x00.
Bytes pkt_nonminimal(std::uint8_t first, const Bytes& body) {
  return concat({bytes({first, static_cast<std::uint8_t>(body.size() | 0x80), 0x00}), body});
}

// A 5.0 property block: property length, then the properties.
Bytes props(const Bytes& list) { return concat({vbi(static_cast<std::uint32_t>(list.size())), list}); }
Bytes no_props() { return props({}); }

// CONNECT variable header before the properties: protocol name, level,
// connect flags, keep alive 60.
Bytes connect_vh(std::string_view name, std::uint8_t level, std::uint8_t flags) {
  return concat({str(name), bytes({level, flags, 0x00, 0x3C})});
}

// Connect flags [MQTT-3.1.2.3].
constexpr std::uint8_t kClean = 0x02;
constexpr std::uint8_t kWill = 0x04;
constexpr std::uint8_t kPassword = 0x40;
constexpr std::uint8_t kUsername = 0x80;

// A valid 3.1.1 CONNECT body: "MQTT", level 4, clean session, keep alive 60, client id "c".
Bytes connect311_body() { return concat({connect_vh("MQTT", 4, kClean), str("c")}); }
// A 5.0 CONNECT body with the given CONNECT properties and client id "c".
Bytes connect5_body(const Bytes& property_list) {
  return concat({connect_vh("MQTT", 5, kClean), props(property_list), str("c")});
}
// A 5.0 PUBLISH QoS 0 body: topic "t", the given properties, payload "x".
Bytes publish5_body(const Bytes& property_list) { return concat({str("t"), props(property_list), text("x")}); }
// A 5.0 SUBSCRIBE body: packet id 1, the given properties, filter "a" with options 0.
Bytes subscribe5_body(const Bytes& property_list) {
  return concat({bytes({0x00, 0x01}), props(property_list), str("a"), bytes({0x00})});
}
// SUBSCRIBE bodies with one filter: 3.1.1 and 5.0 (empty property block).
Bytes subscribe311(const Bytes& filter, std::uint8_t options) {
  return pkt(0x82, concat({bytes({0x00, 0x01}), field(filter), bytes({options})}));
}
Bytes subscribe5(std::string_view filter, std::uint8_t options) {
  return pkt(0x82, concat({bytes({0x00, 0x01}), no_props(), str(filter), bytes({options})}));
}

// ---------------------------------------------------------------------------
// The table.

struct Case {
  const char* name;
  Role sender;
  ProtocolVersion version;
  Bytes wire;
  DecodeErrc expected;
  ReasonCode reason;
  // The decoder has not seen a CONNECT yet (a server's first packet).
  bool before_connect = false;
  std::uint32_t maximum_packet_size = kMaxPacketSizeLimit;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Case kCases[] = {
    // ---- Packet type [MQTT-2.1.2]; 3.1.1: types 0 and 15 are Reserved/Forbidden ----
    {"V311_Type0Reserved", kC, k311, bytes({0x00, 0x00}),  // type 0, RL 0
     E::kReservedPacketType, kMP},
    {"V311_Type15ReservedFromServer", kS, k311, bytes({0xF0, 0x00}),  // type 15, RL 0
     E::kReservedPacketType, kMP},
    {"V311_AuthFromClient", kC, k311,
     pkt(0xF0, bytes({0x18, 0x00})),  // AUTH-shaped: Continue authentication, property length 0
     E::kReservedPacketType, kMP},
    {"V5_Type0BeforeConnect", kC, k5, bytes({0x00, 0x00}),  // type 0 as the first byte on the connection
     E::kReservedPacketType, kMP, true},

    // ---- Reserved fixed-header flags [MQTT-2.1.3-1] (MP); 3.1.1: [MQTT-2.2.2-1], [MQTT-2.2.2-2] ----
    {"V311_ConnectFlags0001", kC, k311, pkt(0x11, connect311_body()),  // CONNECT with flags 0001; valid 3.1.1 body
     E::kReservedFlags, kMP},
    {"V5_ConnectFlags1000", kC, k5, pkt(0x18, connect5_body({})),  // CONNECT with flags 1000; valid 5.0 body
     E::kReservedFlags, kMP},
    {"V311_PubackFlags0010", kC, k311, pkt(0x42, bytes({0x00, 0x01})),  // PUBACK with flags 0010; packet id 1
     E::kReservedFlags, kMP},
    {"V5_PubrecFlags0001", kS, k5, pkt(0x51, bytes({0x00, 0x01})),  // PUBREC with flags 0001; packet id 1
     E::kReservedFlags, kMP},
    {"V5_PubrelFlags0000", kC, k5,
     pkt(0x60, bytes({0x00, 0x01})),  // PUBREL with flags 0000, must be 0010 [MQTT-3.6.1-1]; packet id 1
     E::kReservedFlags, kMP},
    {"V311_PubrelFlags1010Dup", kS, k311,
     pkt(0x6A, bytes({0x00, 0x01})),  // PUBREL with DUP set (allowed only in 3.1); 3.1.1 [MQTT-3.6.1-1]
     E::kReservedFlags, kMP},
    {"V311_SubscribeFlags0000", kC, k311,
     pkt(0x80, concat({bytes({0x00, 0x01}), str("a"), bytes({0x00})})),  // SUBSCRIBE flags 0000 [MQTT-3.8.1-1]
     E::kReservedFlags, kMP},
    {"V5_UnsubscribeFlags0000", kC, k5,
     pkt(0xA0, concat({bytes({0x00, 0x01}), no_props(), str("a")})),  // UNSUBSCRIBE flags 0000 [MQTT-3.10.1-1]
     E::kReservedFlags, kMP},
    {"V311_PingreqFlags0001", kC, k311, bytes({0xC1, 0x00}),  // PINGREQ with flags 0001, RL 0
     E::kReservedFlags, kMP},
    {"V311_DisconnectFlags0001", kC, k311, bytes({0xE1, 0x00}),  // DISCONNECT with flags 0001; 3.1.1 [MQTT-3.14.1-1]
     E::kReservedFlags, kMP},
    {"V5_DisconnectFlags1000", kC, k5, bytes({0xE8, 0x00}),  // DISCONNECT with flags 1000 [MQTT-3.14.1-1]
     E::kReservedFlags, kMP},
    {"V5_AuthFlags0001", kC, k5, bytes({0xF1, 0x00}),  // AUTH with flags 0001 [MQTT-3.15.1-1]
     E::kReservedFlags, kMP},

    // ---- Remaining length [MQTT-1.5.5]; 3.1.1: at most four bytes [2.2.3] ----
    {"V311_RemainingLength5Bytes", kC, k311,
     bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}),  // PUBLISH, RL with a fifth byte
     E::kRemainingLengthTooLong, kMP},
    {"V5_RemainingLength5Bytes", kC, k5, bytes({0x30, 0x80, 0x80, 0x80, 0x80, 0x01}),  // PUBLISH, RL with a fifth byte
     E::kRemainingLengthTooLong, kMP},
    {"V5_PingreqNonMinimalLength", kC, k5,
     bytes({0xC0, 0x80, 0x00}),  // PINGREQ, RL 0 encoded in two bytes [MQTT-1.5.5-1]
     E::kNonMinimalVariableInteger, kMP},
    {"V5_PubackNonMinimalLength3Bytes", kC, k5,
     bytes({0x40, 0x82, 0x80, 0x00, 0x00, 0x01}),  // PUBACK, RL 2 in three bytes [MQTT-1.5.5-1]; packet id 1
     E::kNonMinimalVariableInteger, kMP},
    {"V5_ConnectNonMinimalLength", kC, k5,
     pkt_nonminimal(0x10, connect5_body({})),  // CONNECT, RL 14 as 8E 00 [MQTT-1.5.5-1]; valid 5.0 body
     E::kNonMinimalVariableInteger, kMP},
    {"V5_PropertyLengthNonMinimal", kC, k5,
     pkt(0x40, bytes({0x00, 0x01, 0x00, 0x80, 0x00})),  // PUBACK: packet id 1, Success, property length 0 as 80 00
     E::kNonMinimalVariableInteger, kMP},
    {"V5_SubscriptionIdentifierNonMinimal", kC, k5,
     pkt(0x82, subscribe5_body(bytes({0x0B, 0x81, 0x00}))),  // SUBSCRIBE: Subscription Identifier 1 as 81 00
     E::kNonMinimalVariableInteger, kMP},

    // ---- Maximum Packet Size: [MQTT-3.2.2-15] at a server, [MQTT-3.1.2-24] at a client (0x95) ----
    {"V5_PublishTooLarge", kC, k5,
     pkt(0x30, concat({str("t"), no_props(), Bytes(15, 'x')})),  // PUBLISH: RL 19, 21 bytes > 20
     E::kPacketTooLarge, RC::kPacketTooLarge, false, 20},
    {"V311_PublishTooLarge", kS, k311, pkt(0x30, concat({str("t"), Bytes(8, 'x')})),  // PUBLISH: RL 11, 13 bytes > 12
     E::kPacketTooLarge, RC::kPacketTooLarge, false, 12},

    // ---- First packet must be CONNECT [MQTT-3.1.0-1] (PE) ----
    {"V5_FirstPacketPingreq", kC, k5, bytes({0xC0, 0x00}),  // PINGREQ before any CONNECT
     E::kFirstPacketNotConnect, kPE, true},
    {"V311_FirstPacketPublish", kC, k311,
     pkt(0x30, concat({str("t"), text("x")})),  // PUBLISH before any CONNECT: topic "t", payload "x"
     E::kFirstPacketNotConnect, kPE, true},

    // ---- Wrong direction [MQTT-2.1.2] table 2-1 (PE: "unexpected packet") ----
    {"V311_ConnackFromClient", kC, k311, pkt(0x20, bytes({0x00, 0x00})),  // CONNACK: flags 0, accepted
     E::kUnexpectedPacket, kPE},
    {"V5_SubackFromClient", kC, k5,
     pkt(0x90, bytes({0x00, 0x01, 0x00, 0x00})),  // SUBACK: packet id 1, property length 0, Granted QoS 0
     E::kUnexpectedPacket, kPE},
    {"V311_UnsubackFromClient", kC, k311, pkt(0xB0, bytes({0x00, 0x01})),  // UNSUBACK: packet id 1
     E::kUnexpectedPacket, kPE},
    {"V311_PingrespFromClient", kC, k311, bytes({0xD0, 0x00}),  // PINGRESP, RL 0
     E::kUnexpectedPacket, kPE},
    {"V311_ConnectFromServer", kS, k311, pkt(0x10, connect311_body()),  // CONNECT at a client
     E::kUnexpectedPacket, kPE},
    {"V5_SubscribeFromServer", kS, k5, subscribe5("a", 0x00),  // SUBSCRIBE at a client: packet id 1, filter "a"
     E::kUnexpectedPacket, kPE},
    {"V311_PingreqFromServer", kS, k311, bytes({0xC0, 0x00}),  // PINGREQ at a client
     E::kUnexpectedPacket, kPE},
    {"V311_DisconnectFromServer", kS, k311,
     bytes({0xE0, 0x00}),  // DISCONNECT at a client: server DISCONNECT exists only in 5.0
     E::kUnexpectedPacket, kPE},

    // ---- Truncated fields: the remaining length ends inside a field (MP, [MQTT-1.2] definition) ----
    {"V311_PublishTopicLengthBeyondPacket", kC, k311,
     pkt(0x30, bytes({0x00, 0x05, 't'})),  // PUBLISH: topic length 5, one byte present
     E::kTruncated, kMP},
    {"V311_PublishQoS1MissingPacketId", kC, k311,
     pkt(0x32, str("t")),  // PUBLISH QoS 1: topic "t", no packet id [MQTT-2.2.1-2]
     E::kTruncated, kMP},
    {"V5_PubackHalfPacketId", kS, k5, pkt(0x40, bytes({0x00})),  // PUBACK: one byte of the packet id
     E::kTruncated, kMP},
    {"V311_SubscribeMissingOptions", kC, k311,
     pkt(0x82, concat({bytes({0x00, 0x01}), str("a")})),  // SUBSCRIBE: packet id 1, filter "a", no options byte
     E::kTruncated, kMP},
    {"V311_ConnectMissingClientId", kC, k311,
     pkt(0x10, connect_vh("MQTT", 4, kClean)),  // CONNECT: variable header only [MQTT-3.1.3-3]
     E::kTruncated, kMP},
    {"V311_ConnectUsernameFlagWithoutUsername", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean | kUsername), str("c")})),  // user name flag, no user name
     E::kTruncated, kMP},                                                       // 3.1.1 [MQTT-3.1.2-19]
    {"V5_PublishPropertyLengthMissing", kC, k5,
     pkt(0x30, str("t")),  // PUBLISH: topic "t", then nothing: the property length is required [MQTT-2.2.2-1]
     E::kTruncated, kMP},

    // ---- Trailing bytes after the last field (MP; CONNECT [MQTT-3.1.4-1]) ----
    {"V311_PubackTrailingByte", kC, k311,
     pkt(0x40, bytes({0x00, 0x01, 0x00})),  // PUBACK: packet id 1, stray byte (3.1.1 RL is exactly 2)
     E::kTrailingBytes, kMP},
    {"V311_PingreqTrailingByte", kC, k311, pkt(0xC0, bytes({0x00})),  // PINGREQ with RL 1
     E::kTrailingBytes, kMP},
    {"V311_ConnectTrailingByte", kC, k311,
     pkt(0x10, concat({connect311_body(), bytes({0x00})})),  // valid CONNECT, stray byte [MQTT-3.1.4-1]
     E::kTrailingBytes, kMP},
    {"V311_DisconnectTrailingByte", kC, k311,
     pkt(0xE0, bytes({0x00})),  // DISCONNECT with RL 1 (3.1.1 has no reason code)
     E::kTrailingBytes, kMP},
    {"V311_UnsubackTrailingByte", kS, k311, pkt(0xB0, bytes({0x00, 0x01, 0x00})),  // UNSUBACK: packet id 1, stray byte
     E::kTrailingBytes, kMP},
    {"V311_ConnackTrailingByte", kS, k311,
     pkt(0x20, bytes({0x00, 0x00, 0x00})),  // CONNACK: flags, return code, stray byte
     E::kTrailingBytes, kMP},
    {"V5_PubackTrailingAfterProperties", kC, k5,
     pkt(0x40, bytes({0x00, 0x01, 0x00, 0x00, 0xFF})),  // PUBACK: id 1, Success, property length 0, stray byte
     E::kTrailingBytes, kMP},

    // ---- UTF-8 [MQTT-1.5.4-1] ill-formed, [MQTT-1.5.4-2] U+0000; 3.1.1: [MQTT-1.5.3-1], [MQTT-1.5.3-2] ----
    {"V311_TopicOverlongC080", kC, k311,
     pkt(0x30, field(bytes({0xC0, 0x80}))),  // PUBLISH: topic C0 80 (overlong U+0000)
     E::kInvalidUtf8, kMP},
    {"V311_ClientIdSurrogate", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean), field(bytes({0xED, 0xA0, 0x80}))})),  // client id U+D800
     E::kInvalidUtf8, kMP},
    {"V5_UserPropertyAbove10FFFF", kC, k5,
     pkt(0x10, connect5_body(concat({bytes({0x26}), field(bytes({0xF4, 0x90, 0x80, 0x80})), str("v")}))),
     // CONNECT: User Property name F4 90 80 80 (U+110000), value "v"
     E::kInvalidUtf8, kMP},
    {"V311_FilterTruncatedMultibyte", kC, k311,
     subscribe311(bytes({'a', 0xE2, 0x82}), 0x00),  // SUBSCRIBE: filter "a" + E2 82 (3-byte sequence cut short)
     E::kInvalidUtf8, kMP},
    {"V5_TopicLoneContinuation", kC, k5,
     pkt(0x30, concat({field(bytes({'a', 0x80})), no_props()})),  // PUBLISH: topic "a" + lone 0x80
     E::kInvalidUtf8, kMP},
    {"V311_UsernameOverlongE08080", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean | kUsername), str("c"), field(bytes({0xE0, 0x80, 0x80}))})),
     // CONNECT: user name E0 80 80 (overlong 3-byte U+0000)
     E::kInvalidUtf8, kMP},
    {"V5_ReasonStringSurrogate", kS, k5,
     pkt(0x40, concat({bytes({0x00, 0x01, 0x10}), props(concat({bytes({0x1F}), field(bytes({0xED, 0xBF, 0xBF}))}))})),
     // PUBACK: id 1, No matching subscribers, Reason String U+DFFF
     E::kInvalidUtf8, kMP},
    {"V311_TopicNul", kC, k311, pkt(0x30, field(bytes({'a', 0x00}))),  // PUBLISH: topic "a\0"
     E::kUtf8NullCharacter, kMP},
    {"V311_ClientIdNul", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean), field(bytes({0x00}))})),  // CONNECT: client id "\0"
     E::kUtf8NullCharacter, kMP},
    {"V5_UserPropertyValueNul", kC, k5,
     pkt(0x30, publish5_body(concat({bytes({0x26}), str("k"), field(bytes({0x00}))}))),
     // PUBLISH: User Property "k" = "\0"
     E::kUtf8NullCharacter, kMP},

    // ---- Properties: structure [MQTT-2.2.2], identifiers [MQTT-2.2.2.2] (MP) ----
    {"V5_PropertyLengthPastPacket", kC, k5,
     pkt(0x30, concat({str("t"), bytes({0x05, 0x01, 0x01})})),  // PUBLISH: property length 5, two bytes left
     E::kPropertyLengthOverflow, kMP},
    {"V5_PublishUnknownProperty04", kC, k5,
     pkt(0x30, publish5_body(bytes({0x04, 0x00}))),  // PUBLISH: property 0x04 (undefined)
     E::kUnknownProperty, kMP},
    {"V5_ConnectUnknownProperty2B", kC, k5,
     pkt(0x10, connect5_body(bytes({0x2B, 0x00}))),  // CONNECT: property 0x2B (undefined)
     E::kUnknownProperty, kMP},
    {"V5_ConnectTopicAlias", kC, k5,
     pkt(0x10, connect5_body(bytes({0x23, 0x00, 0x01}))),  // CONNECT: Topic Alias 1 (PUBLISH only)
     E::kPropertyNotAllowed, kMP},
    {"V5_PublishReasonString", kC, k5,
     pkt(0x30, publish5_body(concat({bytes({0x1F}), str("r")}))),  // PUBLISH: Reason String "r"
     E::kPropertyNotAllowed, kMP},
    {"V5_PublishWillDelay", kC, k5,
     pkt(0x30, publish5_body(bytes({0x18, 0x00, 0x00, 0x00, 0x05}))),  // PUBLISH: Will Delay Interval 5 (Will only)
     E::kPropertyNotAllowed, kMP},
    {"V5_WillPropertiesSessionExpiry", kC, k5,
     pkt(0x10, concat({connect_vh("MQTT", 5, kClean | kWill), no_props(), str("c"),
                       props(bytes({0x11, 0x00, 0x00, 0x00, 0x0A})), str("w"), str("")})),
     // CONNECT with will: Will Properties hold Session Expiry Interval 10; will topic "w", payload ""
     E::kPropertyNotAllowed, kMP},
    {"V5_SubscribeReasonString", kC, k5,
     pkt(0x82, subscribe5_body(concat({bytes({0x1F}), str("r")}))),  // SUBSCRIBE: Reason String "r"
     E::kPropertyNotAllowed, kMP},
    // Table 2-4 allows Session Expiry in DISCONNECT; only the direction is
    // forbidden, in prose: "MUST NOT be sent on a DISCONNECT by the Server"
    // [MQTT-3.14.2-2]. The packet parses; its data is not allowed: Protocol
    // Error by [MQTT-1.2] (and like the neighbouring client rule, "it is a
    // Protocol Error to set a non-zero Session Expiry Interval").
    {"V5_ServerDisconnectSessionExpiry", kS, k5,
     pkt(0xE0, concat({bytes({0x00}), props(bytes({0x11, 0x00, 0x00, 0x00, 0x3C}))})),
     // DISCONNECT from the server: Normal disconnection, Session Expiry Interval 60
     E::kPropertyNotAllowedFromSender, kPE},

    // ---- Properties: duplicates ("It is a Protocol Error to include ... more than once") ----
    {"V5_PublishContentTypeTwice", kC, k5,
     pkt(0x30, publish5_body(concat({bytes({0x03}), str("a"), bytes({0x03}), str("b")}))),
     // PUBLISH: Content Type "a", Content Type "b"
     E::kDuplicateProperty, kPE},
    {"V5_ConnectReceiveMaximumTwice", kC, k5,
     pkt(0x10, connect5_body(bytes({0x21, 0x00, 0x0A, 0x21, 0x00, 0x0A}))),  // CONNECT: Receive Maximum 10, twice
     E::kDuplicateProperty, kPE},
    {"V5_SubscribeSubscriptionIdentifierTwice", kC, k5,
     pkt(0x82, subscribe5_body(bytes({0x0B, 0x01, 0x0B, 0x02}))),  // SUBSCRIBE: Subscription Identifier 1, then 2
     E::kDuplicateProperty, kPE},

    // ---- Properties: values ----
    {"V5_ReceiveMaximum0", kC, k5,
     pkt(0x10, connect5_body(bytes({0x21, 0x00, 0x00}))),  // CONNECT: Receive Maximum 0 [3.1.2.11.3] PE
     E::kInvalidPropertyValue, kPE},
    {"V5_MaximumPacketSize0", kC, k5,
     pkt(0x10, connect5_body(bytes({0x27, 0x00, 0x00, 0x00, 0x00}))),  // CONNECT: Maximum Packet Size 0 [3.1.2.11.4]
     E::kInvalidPropertyValue, kPE},
    {"V5_RequestProblemInformation2", kC, k5,
     pkt(0x10, connect5_body(bytes({0x17, 0x02}))),  // CONNECT: Request Problem Information 2 [3.1.2.11.7] PE
     E::kInvalidPropertyValue, kPE},
    {"V5_PayloadFormatIndicator2", kC, k5,
     pkt(0x30, publish5_body(bytes({0x01, 0x02}))),  // PUBLISH: Payload Format Indicator 2 (only 0 or 1) [3.3.2.3.2]
     E::kInvalidPropertyValue, kPE},
    {"V5_ConnackMaximumQoS2", kS, k5,
     pkt(0x20, concat({bytes({0x00, 0x00}), props(bytes({0x24, 0x02}))})),  // CONNACK: Maximum QoS 2 [3.2.2.3.4] PE
     E::kInvalidPropertyValue, kPE},
    {"V5_SubscriptionIdentifier0", kC, k5,
     pkt(0x82, subscribe5_body(bytes({0x0B, 0x00}))),  // SUBSCRIBE: Subscription Identifier 0 [3.8.2.1.2] PE
     E::kInvalidPropertyValue, kPE},
    {"V5_ResponseTopicWildcard", kC, k5,
     pkt(0x30, publish5_body(concat({bytes({0x08}), str("a/#")}))),  // PUBLISH: Response Topic "a/#" [MQTT-3.3.2-14]
     E::kInvalidPropertyValue, kPE},
    {"V5_TopicAlias0", kC, k5,
     pkt(0x30, publish5_body(bytes({0x23, 0x00, 0x00}))),  // PUBLISH: Topic Alias 0 [MQTT-3.3.2-8], 3.3.4: 0x94
     E::kTopicAliasZero, RC::kTopicAliasInvalid},
    {"V5_ClientPublishSubscriptionIdentifier", kC, k5,
     pkt(0x30, publish5_body(bytes({0x0B, 0x01}))),  // PUBLISH from a client: Subscription Identifier 1 [MQTT-3.3.4-6]
     E::kSubscriptionIdentifierFromClient, kPE},
    {"V5_ConnectAuthenticationDataWithoutMethod", kC, k5,
     pkt(0x10, connect5_body(concat({bytes({0x16}), str("x")}))),  // CONNECT: Authentication Data "x", no method
     E::kAuthenticationDataWithoutMethod, kPE},                    // [3.1.2.11.10] PE
    {"V5_AuthWithoutMethod", kC, k5,
     pkt(0xF0, bytes({0x18, 0x00})),  // AUTH: Continue authentication, no properties [3.15.2.2.2] PE
     E::kMissingAuthenticationMethod, kPE},

    // ---- CONNECT [MQTT-3.1] ----
    {"V311_ProtocolNameMQTX", kC, k311,
     pkt(0x10, concat({connect_vh("MQTX", 4, kClean), str("c")})),  // protocol name "MQTX" [MQTT-3.1.2-1]
     E::kProtocolNameInvalid, RC::kUnsupportedProtocolVersion},
    {"V5_ProtocolLevel6", kC, k5,
     pkt(0x10, concat({connect_vh("MQTT", 6, kClean), no_props(), str("c")})),  // "MQTT" level 6 [MQTT-3.1.2-2]
     E::kUnsupportedProtocolVersion, RC::kUnsupportedProtocolVersion},
    {"V311_MQTTLevel3", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 3, kClean), str("c")})),  // "MQTT" with the 3.1 level [MQTT-3.1.2-2]
     E::kUnsupportedProtocolVersion, RC::kUnsupportedProtocolVersion},
    {"V31_MQIsdpLevel4", kC, k31,
     pkt(0x10, concat({connect_vh("MQIsdp", 4, kClean), str("c")})),  // "MQIsdp" with the 3.1.1 level
     E::kUnsupportedProtocolVersion, RC::kUnsupportedProtocolVersion},
    {"V311_ConnectReservedFlag", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean | 0x01), str("c")})),  // connect flags bit 0 set [MQTT-3.1.2-3]
     E::kConnectReservedFlag, kMP},
    {"V5_ConnectReservedFlag", kC, k5,
     pkt(0x10, concat({connect_vh("MQTT", 5, kClean | 0x01), no_props(), str("c")})),  // bit 0 [MQTT-3.1.2-3] MP
     E::kConnectReservedFlag, kMP},
    {"V311_WillQoSWithoutWill", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean | 0x08), str("c")})),  // Will QoS 1, Will Flag 0
     E::kWillFlagsWithoutWill, kMP},                                       // 3.1.1 [MQTT-3.1.2-13], 5.0 [MQTT-3.1.2-11]
    {"V5_WillRetainWithoutWill", kC, k5,
     pkt(0x10, concat({connect_vh("MQTT", 5, kClean | 0x20), no_props(), str("c")})),  // Will Retain, Will Flag 0
     E::kWillFlagsWithoutWill, kMP},  // 5.0 [MQTT-3.1.2-13], 3.1.1 [MQTT-3.1.2-15]
    {"V311_WillQoS3", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean | kWill | 0x18), str("c"), str("w"), str("m")})),
     // Will Flag, Will QoS 3; client id "c", will topic "w", will message "m"
     E::kWillQoSInvalid, kMP},  // 3.1.1 [MQTT-3.1.2-14], 5.0 [MQTT-3.1.2-12]
    {"V311_PasswordWithoutUsername", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean | kPassword), str("c"), str("p")})),  // password "p", no user name
     E::kPasswordWithoutUsername, kMP},                                                   // 3.1.1 [MQTT-3.1.2-22]
    {"V311_EmptyClientIdWithoutCleanSession", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, 0x00), str("")})),     // clean session 0, client id ""
     E::kClientIdentifierRejected, RC::kClientIdentifierNotValid},  // 3.1.1 [MQTT-3.1.3-8]
    {"V31_EmptyClientId", kC, k31,
     pkt(0x10, concat({connect_vh("MQIsdp", 3, kClean), str("")})),  // 3.1: client id must be 1-23 characters
     E::kClientIdentifierRejected, RC::kClientIdentifierNotValid},
    {"V311_WillTopicWildcard", kC, k311,
     pkt(0x10, concat({connect_vh("MQTT", 4, kClean | kWill), str("c"), str("a/#"), str("m")})),
     // will topic "a/#", will message "m" [MQTT-3.3.2-2] applied to the Will Topic
     E::kTopicNameWildcard, kMP},
    {"V5_WillTopicEmpty", kC, k5,
     pkt(0x10, concat({connect_vh("MQTT", 5, kClean | kWill), no_props(), str("c"), no_props(), str(""), str("m")})),
     // will properties empty, will topic "", will payload "m" [MQTT-4.7.3-1]
     E::kTopicNameEmpty, kPE},

    // ---- CONNACK [MQTT-3.2] ----
    {"V311_ConnackReservedFlags", kS, k311,
     pkt(0x20, bytes({0x02, 0x00})),  // acknowledge flags 0000 0010, accepted; 3.1.1 [3.2.2.1]
     E::kConnackReservedFlags, kMP},
    {"V5_ConnackReservedFlags", kS, k5,
     pkt(0x20, bytes({0x80, 0x00, 0x00})),  // acknowledge flags bit 7, Success, property length 0 [MQTT-3.2.2-1]
     E::kConnackReservedFlags, kMP},
    {"V311_ConnackReturnCode6", kS, k311, pkt(0x20, bytes({0x00, 0x06})),  // return code 6: reserved; 3.1.1 table 3.1
     E::kInvalidReasonCode, kPE},
    {"V311_ConnackSessionPresentWithFailure", kS, k311,
     pkt(0x20, bytes({0x01, 0x05})),  // Session Present, Not authorized; 3.1.1 [MQTT-3.2.2-4]
     E::kSessionPresentWithError, kPE},
    {"V5_ConnackSessionPresentWithFailure", kS, k5,
     pkt(0x20, bytes({0x01, 0x87, 0x00})),  // Session Present, Not authorized, no properties [MQTT-3.2.2-6]
     E::kSessionPresentWithError, kPE},
    {"V5_ConnackReasonCode04", kS, k5,
     pkt(0x20, bytes({0x00, 0x04, 0x00})),  // reason 0x04 (DISCONNECT only) [MQTT-3.2.2-8]
     E::kInvalidReasonCode, kPE},

    // ---- PUBLISH [MQTT-3.3] ----
    {"V311_PublishQoS3", kC, k311,
     pkt(0x36, concat({str("t"), bytes({0x00, 0x01})})),  // QoS bits 11; topic "t", packet id 1 [MQTT-3.3.1-4]
     E::kQoSInvalid, kMP},
    {"V5_PublishQoS3", kS, k5,
     pkt(0x37, concat({str("t"), bytes({0x00, 0x01}), no_props()})),  // RETAIN, QoS 3 [MQTT-3.3.1-4] MP
     E::kQoSInvalid, kMP},
    {"V311_PublishDupQoS0", kC, k311, pkt(0x38, concat({str("t"), text("x")})),  // DUP with QoS 0 [MQTT-3.3.1-2]
     E::kDupWithQoS0, kMP},
    {"V311_PublishPacketId0", kC, k311,
     pkt(0x32, concat({str("t"), bytes({0x00, 0x00})})),  // QoS 1, packet id 0; 3.1.1 [MQTT-2.3.1-1]
     E::kPacketIdentifierZero, kPE},
    {"V5_PublishQoS2PacketId0", kS, k5,
     pkt(0x34, concat({str("t"), bytes({0x00, 0x00}), no_props()})),  // QoS 2, packet id 0 [MQTT-2.2.1-4]
     E::kPacketIdentifierZero, kPE},
    {"V311_PublishEmptyTopic", kC, k311,
     pkt(0x30, concat({str(""), text("x")})),  // topic "", payload "x"; 3.1.1 [MQTT-4.7.3-1]
     E::kTopicNameEmpty, kPE},
    {"V5_PublishEmptyTopicWithoutAlias", kC, k5,
     pkt(0x30, concat({str(""), no_props(), text("x")})),  // topic "", no Topic Alias [3.3.2.1] PE
     E::kTopicNameEmpty, kPE},
    {"V311_PublishTopicPlus", kC, k311, pkt(0x30, concat({str("a/+"), text("x")})),  // topic "a/+" [MQTT-3.3.2-2]
     E::kTopicNameWildcard, kMP},
    {"V5_PublishTopicHash", kC, k5,
     pkt(0x30, concat({str("a/#"), no_props(), text("x")})),  // topic "a/#" [MQTT-3.3.2-2]
     E::kTopicNameWildcard, kMP},

    // ---- PUBACK / PUBREC / PUBREL / PUBCOMP [MQTT-3.4]..[MQTT-3.7] ----
    {"V311_PubackPacketId0", kC, k311, pkt(0x40, bytes({0x00, 0x00})),  // packet id 0 [MQTT-2.2.1-3]
     E::kPacketIdentifierZero, kPE},
    {"V5_PubrecPacketId0", kS, k5, pkt(0x50, bytes({0x00, 0x00})),  // packet id 0
     E::kPacketIdentifierZero, kPE},
    {"V311_PubrelPacketId0", kC, k311, pkt(0x62, bytes({0x00, 0x00})),  // packet id 0
     E::kPacketIdentifierZero, kPE},
    {"V5_PubcompPacketId0", kS, k5,
     pkt(0x70, bytes({0x00, 0x00, 0x00, 0x00})),  // packet id 0, Success, property length 0
     E::kPacketIdentifierZero, kPE},
    {"V5_PubrelReasonCode10", kC, k5,
     pkt(0x62, bytes({0x00, 0x01, 0x10})),  // packet id 1, reason 0x10 (PUBACK/PUBREC only) [MQTT-3.6.2-1]
     E::kInvalidReasonCode, kPE},
    {"V5_PubackReasonCode92", kS, k5,
     pkt(0x40, bytes({0x00, 0x01, 0x92})),  // packet id 1, reason 0x92 (PUBREL/PUBCOMP only) [MQTT-3.4.2-1]
     E::kInvalidReasonCode, kPE},

    // ---- SUBSCRIBE [MQTT-3.8] ----
    {"V311_SubscribeNoFilters", kC, k311,
     pkt(0x82, bytes({0x00, 0x01})),  // packet id 1, no payload; 3.1.1 [MQTT-3.8.3-3]
     E::kNoTopicFilters, kPE},
    {"V5_SubscribeNoFilters", kC, k5,
     pkt(0x82, bytes({0x00, 0x01, 0x00})),  // packet id 1, property length 0, no payload [MQTT-3.8.3-2] PE
     E::kNoTopicFilters, kPE},
    {"V311_SubscribePacketId0", kC, k311,
     pkt(0x82, concat({bytes({0x00, 0x00}), str("a"), bytes({0x00})})),  // packet id 0, filter "a" QoS 0
     E::kPacketIdentifierZero, kPE},
    {"V5_SubscribeOptionBit7", kC, k5, subscribe5("a", 0x80),  // options 1000 0000: reserved bit 7 [MQTT-3.8.3-5] MP
     E::kSubscriptionOptionsReserved, kMP},
    {"V5_SubscribeOptionBit6", kC, k5,
     subscribe5("a", 0x41),  // options 0100 0001: reserved bit 6, QoS 1 [MQTT-3.8.3-5] MP
     E::kSubscriptionOptionsReserved, kMP},
    {"V311_SubscribeOptionBit2", kC, k311,
     subscribe311(text("a"), 0x04),  // 3.1.1 requested QoS byte 0000 0100: reserved bit 2 [MQTT-3-8.3-4]
     E::kSubscriptionOptionsReserved, kMP},
    {"V5_SubscribeQoS3", kC, k5, subscribe5("a", 0x03),  // Maximum QoS 3 [3.8.3.1] PE
     E::kSubscriptionQoSInvalid, kPE},
    {"V5_SubscribeRetainHandling3", kC, k5, subscribe5("a", 0x30),  // Retain Handling 3 [3.8.3.1] PE
     E::kRetainHandlingInvalid, kPE},
    {"V5_SubscribeNoLocalShared", kC, k5, subscribe5("$share/g/a", 0x04),  // No Local on "$share/g/a" [MQTT-3.8.3-4] PE
     E::kNoLocalOnSharedSubscription, kPE},
    {"V311_FilterHashNotLast", kC, k311, subscribe311(text("a/#/b"), 0x00),  // '#' not last [MQTT-4.7.1-1]
     E::kTopicFilterInvalid, kMP},
    {"V5_FilterPlusNotWholeLevel", kC, k5, subscribe5("a+", 0x00),  // '+' sharing a level [MQTT-4.7.1-2]
     E::kTopicFilterInvalid, kMP},
    {"V311_FilterHashNotWholeLevel", kC, k311,
     subscribe311(text("#a"), 0x00),  // '#' followed by a character [MQTT-4.7.1-1]
     E::kTopicFilterInvalid, kMP},
    {"V5_FilterEmpty", kC, k5, subscribe5("", 0x00),  // empty filter [MQTT-4.7.3-1]
     E::kTopicFilterInvalid, kMP},
    {"V5_SharedPrefixOnly", kC, k5, subscribe5("$share/", 0x00),  // no ShareName [MQTT-4.8.2-1]
     E::kSharedSubscriptionInvalid, kMP},
    {"V5_SharedNoFilter", kC, k5, subscribe5("$share/g", 0x00),  // ShareName not followed by "/" [MQTT-4.8.2-2]
     E::kSharedSubscriptionInvalid, kMP},
    {"V5_SharedEmptyShareName", kC, k5, subscribe5("$share//a", 0x00),  // empty ShareName [MQTT-4.8.2-1]
     E::kSharedSubscriptionInvalid, kMP},
    {"V5_SharedShareNameWildcard", kC, k5, subscribe5("$share/g+/a", 0x00),  // '+' in the ShareName [MQTT-4.8.2-2]
     E::kSharedSubscriptionInvalid, kMP},
    {"V5_SharedEmptyFilter", kC, k5,
     subscribe5("$share/g/", 0x00),  // "/" not followed by a Topic Filter [MQTT-4.8.2-2]
     E::kSharedSubscriptionInvalid, kMP},

    // ---- UNSUBSCRIBE [MQTT-3.10] ----
    {"V311_UnsubscribeNoFilters", kC, k311,
     pkt(0xA2, bytes({0x00, 0x01})),  // packet id 1, no payload; 3.1.1 [MQTT-3.10.3-2]
     E::kNoTopicFilters, kPE},
    {"V5_UnsubscribeNoFilters", kC, k5,
     pkt(0xA2, bytes({0x00, 0x01, 0x00})),  // packet id 1, property length 0, no payload [MQTT-3.10.3-2] PE
     E::kNoTopicFilters, kPE},
    {"V5_UnsubscribeBadFilter", kC, k5,
     pkt(0xA2, concat({bytes({0x00, 0x01}), no_props(), str("a/#/b")})),  // filter "a/#/b" [MQTT-4.7.1-1]
     E::kTopicFilterInvalid, kMP},
    {"V311_UnsubscribeBadSharedFilter", kC, k311,
     pkt(0xA2, concat({bytes({0x00, 0x01}), str("$share/g")})),  // filter "$share/g" [MQTT-4.8.2-2]
     E::kSharedSubscriptionInvalid, kMP},
    {"V311_UnsubscribePacketId0", kC, k311,
     pkt(0xA2, concat({bytes({0x00, 0x00}), str("a")})),  // packet id 0 [MQTT-2.2.1-3]
     E::kPacketIdentifierZero, kPE},

    // ---- SUBACK / UNSUBACK [MQTT-3.9], [MQTT-3.11] ----
    {"V311_SubackNoCodes", kS, k311, pkt(0x90, bytes({0x00, 0x01})),  // packet id 1, no return codes
     E::kNoReasonCodes, kMP},
    {"V5_SubackNoCodes", kS, k5,
     pkt(0x90, bytes({0x00, 0x01, 0x00})),  // packet id 1, property length 0, no reason codes
     E::kNoReasonCodes, kMP},
    {"V311_SubackCode03", kS, k311, pkt(0x90, bytes({0x00, 0x01, 0x03})),  // return code 3; 3.1.1 [MQTT-3.9.3-2]
     E::kInvalidReasonCode, kPE},
    {"V5_SubackCode04", kS, k5,
     pkt(0x90, bytes({0x00, 0x01, 0x00, 0x04})),  // property length 0, reason 0x04 [MQTT-3.9.3-2]
     E::kInvalidReasonCode, kPE},
    {"V5_UnsubackNoCodes", kS, k5,
     pkt(0xB0, bytes({0x00, 0x01, 0x00})),  // packet id 1, property length 0, no reason codes [MQTT-3.11.3-1]
     E::kNoReasonCodes, kMP},
    {"V5_UnsubackCode01", kS, k5,
     pkt(0xB0, bytes({0x00, 0x01, 0x00, 0x01})),  // reason 0x01 (SUBACK only) [MQTT-3.11.3-2]
     E::kInvalidReasonCode, kPE},

    // ---- DISCONNECT [MQTT-3.14] and AUTH [MQTT-3.15] ----
    {"V5_DisconnectReasonCode05", kC, k5, pkt(0xE0, bytes({0x05})),  // reason 0x05 (undefined) [MQTT-3.14.2-1]
     E::kInvalidReasonCode, kPE},
    {"V5_DisconnectReasonCode10", kS, k5,
     pkt(0xE0, bytes({0x10, 0x00})),  // reason 0x10 (PUBACK/PUBREC only), property length 0 [MQTT-3.14.2-1]
     E::kInvalidReasonCode, kPE},
    {"V5_AuthReasonCode01", kS, k5, pkt(0xF0, concat({bytes({0x01}), props(concat({bytes({0x15}), str("m")}))})),
     // AUTH: reason 0x01, Authentication Method "m" [MQTT-3.15.2-1]
     E::kInvalidReasonCode, kPE},
};

// ---------------------------------------------------------------------------
// Running a case.

std::string describe(const std::optional<DecodeError>& e) {
  if (!e) return "no error";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(reason_code(e->code)));
  return std::string(to_string(e->code)) + " (" + hex + ")";
}

// A decoder for `c`'s receiver: it has negotiated c.version, unless the case
// is a connection's first packet (a CONNECT from a client, which sets it).
Decoder decoder_for(const Case& c) {
  Decoder d(other(c.sender), DecoderLimits(c.maximum_packet_size));
  const bool client_connect = c.sender == Role::kClient && !c.wire.empty() && (c.wire[0] >> 4) == 1;
  if (!c.before_connect && !client_connect) d.set_version(c.version);
  return d;
}

// The packet type the error should name: the first byte's, or CONNECT for type 0.
PacketType expected_packet_type(const Case& c) {
  const std::uint8_t type = c.wire.empty() ? 1 : c.wire[0] >> 4;
  return static_cast<PacketType>(type == 0 ? 1 : type);
}

// Feeds c.wire in two pieces, cut after `split` bytes (0: all at once).
DecodeOutcome feed_split(const Case& c, std::size_t split) {
  Decoder d = decoder_for(c);
  DecodeOutcome first = decode_chunks(d, Bytes(c.wire.begin(), c.wire.begin() + static_cast<long>(split)));
  DecodeOutcome second = decode_chunks(d, Bytes(c.wire.begin() + static_cast<long>(split), c.wire.end()));
  for (Packet& p : second.packets) first.packets.push_back(std::move(p));
  if (!first.error) first.error = second.error;
  return first;
}

// Asserts `out` is c's failure and nothing decoded before it.
void expect_failure(const Case& c, const DecodeOutcome& out, const std::string& how) {
  ASSERT_TRUE(out.error.has_value()) << how << ": decoded without error, expected " << to_string(c.expected);
  EXPECT_EQ(out.error->code, c.expected) << how << ": got " << describe(out.error) << ", expected "
                                         << to_string(c.expected);
  EXPECT_EQ(out.error->packet_type, expected_packet_type(c)) << how;
  EXPECT_TRUE(out.packets.empty()) << how << ": a packet was decoded before the error";
}

class Malformed : public ::testing::TestWithParam<Case> {};

// The failure carries the reason code the spec gives it.
TEST_P(Malformed, ReasonCode) {
  const Case& c = GetParam();
  EXPECT_EQ(static_cast<unsigned>(reason_code(c.expected)), static_cast<unsigned>(c.reason))
      << to_string(c.expected) << " maps to " << to_string(reason_code(c.expected)) << ", expected "
      << to_string(c.reason);
}

TEST_P(Malformed, Whole) {
  const Case& c = GetParam();
  Decoder d = decoder_for(c);
  expect_failure(c, decode_chunks(d, c.wire), "whole");
  // The shared helper agrees, where it builds the same decoder.
  if (!c.before_connect && c.maximum_packet_size == kMaxPacketSizeLimit) {
    const std::optional<DecodeError> e = decode_error(c.wire, c.sender, c.version);
    ASSERT_TRUE(e.has_value()) << "decode_error: no error";
    EXPECT_EQ(e->code, c.expected) << "decode_error: got " << describe(e);
  }
}

// The error does not depend on how the bytes arrive: every cut, and byte by byte.
TEST_P(Malformed, EverySplit) {
  const Case& c = GetParam();
  for (std::size_t split = 1; split < c.wire.size(); ++split) {
    expect_failure(c, feed_split(c, split), "split at " + std::to_string(split));
  }
  Decoder d = decoder_for(c);
  expect_failure(c, decode_chunks(d, c.wire, 1), "byte by byte");
}

// A stuck decoder keeps answering with the same error.
TEST_P(Malformed, StaysFailed) {
  const Case& c = GetParam();
  Decoder d = decoder_for(c);
  DecodeOutcome out = decode_chunks(d, c.wire);
  ASSERT_TRUE(out.error.has_value());
  const Bytes ping = bytes({0xC0, 0x00});
  core::ByteView more(ping.data(), ping.size());
  auto again = d.next(more);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, out.error->code);
}

INSTANTIATE_TEST_SUITE_P(Cases, Malformed, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(MalformedTable, EnoughDistinctCases) {
  EXPECT_GE(std::size(kCases), 70u);
  std::set<std::string_view> names;
  for (const Case& c : kCases) EXPECT_TRUE(names.insert(c.name).second) << "duplicate case name " << c.name;
}

// ---------------------------------------------------------------------------
// Positive checks: what the malformed cases above must not catch.

// Decodes `wire` as one packet from `sender` whole, at every split and byte
// by byte; returns the packet decoded whole.
Packet expect_accepted(const Bytes& wire, Role sender, ProtocolVersion version) {
  const Case c{"accepted", sender, version, wire, E::kTruncated, kMP};
  auto check = [&](const DecodeOutcome& out, const std::string& how) {
    EXPECT_FALSE(out.error.has_value()) << how << ": " << describe(out.error);
    EXPECT_EQ(out.packets.size(), 1u) << how;
  };
  for (std::size_t split = 1; split < wire.size(); ++split)
    check(feed_split(c, split), "split " + std::to_string(split));
  Decoder bytewise = decoder_for(c);
  check(decode_chunks(bytewise, wire, 1), "byte by byte");
  Decoder d = decoder_for(c);
  DecodeOutcome out = decode_chunks(d, wire);
  check(out, "whole");
  return out.packets.empty() ? Packet{} : std::move(out.packets.front());
}

// 3.1.1 has no minimal-encoding rule ([MQTT-1.5.5-1] is 5.0 only).
TEST(MalformedAccepted, V311NonMinimalRemainingLength) {
  const Packet ping_packet = expect_accepted(bytes({0xC0, 0x80, 0x00}), kC, k311);  // PINGREQ, RL 0 as 80 00
  const PacketBody& ping = ping_packet.body;
  EXPECT_EQ(type_of(ping), PacketType::kPingreq);
  const Packet publish_packet = expect_accepted(pkt_nonminimal(0x30, concat({str("t"), text("abc")})), kC, k311);
  const PacketBody& publish = publish_packet.body;
  ASSERT_EQ(type_of(publish), PacketType::kPublish);
  EXPECT_EQ(std::get<Publish>(publish).topic, "t");
  EXPECT_EQ(core::as_chars(std::get<Publish>(publish).payload), "abc");
  const Packet connect_packet = expect_accepted(pkt_nonminimal(0x10, connect311_body()), kC, k311);
  const PacketBody& connect = connect_packet.body;
  ASSERT_EQ(type_of(connect), PacketType::kConnect);
  EXPECT_EQ(std::get<Connect>(connect).version, k311);
}

// 5.0 allows a password without a user name (non-normative comment in 3.1.2.9).
TEST(MalformedAccepted, V5PasswordWithoutUsername) {
  const Packet body_packet = expect_accepted(
      pkt(0x10, concat({connect_vh("MQTT", 5, kClean | kPassword), no_props(), str("c"), str("p")})), kC, k5);
  const PacketBody& body = body_packet.body;
  ASSERT_EQ(type_of(body), PacketType::kConnect);
  const Connect& connect = std::get<Connect>(body);
  EXPECT_FALSE(connect.username.has_value());
  ASSERT_TRUE(connect.password.has_value());
  EXPECT_EQ(core::as_chars(*connect.password), "p");
}

// 5.0: an empty client id needs no Clean Start (the server may assign one).
TEST(MalformedAccepted, V5EmptyClientIdWithoutCleanStart) {
  const Packet body_packet =
      expect_accepted(pkt(0x10, concat({connect_vh("MQTT", 5, 0x00), no_props(), str("")})), kC, k5);
  const PacketBody& body = body_packet.body;
  ASSERT_EQ(type_of(body), PacketType::kConnect);
  EXPECT_TRUE(std::get<Connect>(body).client_id.empty());
}

// 3.1: a flagged but missing user name is valid ("the Remaining Length field
// takes precedence over the User Name flag").
TEST(MalformedAccepted, V31UsernameFlagWithoutUsername) {
  const Packet body_packet =
      expect_accepted(pkt(0x10, concat({connect_vh("MQIsdp", 3, kClean | kUsername), str("c")})), kC, k31);
  const PacketBody& body = body_packet.body;
  ASSERT_EQ(type_of(body), PacketType::kConnect);
  EXPECT_FALSE(std::get<Connect>(body).username.has_value());
}

// 3.1: PUBREL is retried like PUBLISH, so DUP may be set (contrast V311_PubrelFlags1010Dup).
TEST(MalformedAccepted, V31PubrelWithDup) {
  const Packet body_packet = expect_accepted(pkt(0x6A, bytes({0x00, 0x01})), kC, k31);
  const PacketBody& body = body_packet.body;
  ASSERT_EQ(type_of(body), PacketType::kPubrel);
  EXPECT_EQ(std::get<Pubrel>(body).packet_id, 1);
}

// 5.0: an empty topic with a Topic Alias is how an alias is used [MQTT-3.3.2-1].
TEST(MalformedAccepted, V5EmptyTopicWithAlias) {
  const Packet body_packet =
      expect_accepted(pkt(0x30, concat({str(""), props(bytes({0x23, 0x00, 0x01})), text("x")})), kC, k5);
  const PacketBody& body = body_packet.body;
  ASSERT_EQ(type_of(body), PacketType::kPublish);
  EXPECT_EQ(std::get<Publish>(body).properties.topic_alias, std::uint16_t{1});
}

// ---------------------------------------------------------------------------
// failure_response(): what the server sends before closing.

struct ServerFailure {
  DecodeError error{};
  std::optional<ProtocolVersion> version;  // the decoder's, after the failure
};

// Feeds `wire` to a fresh server decoder (maximum `max`); it must fail.
ServerFailure server_failure(const Bytes& wire, std::uint32_t max = kMaxPacketSizeLimit) {
  Decoder d(Role::kServer, DecoderLimits(max));
  DecodeOutcome out = decode_chunks(d, wire);
  EXPECT_TRUE(out.error.has_value()) << "decoded without error";
  return {out.error.value_or(DecodeError{}), d.version()};
}

const Bytes kConnect5 = pkt(0x10, connect5_body({}));
const Bytes kConnect311 = pkt(0x10, connect311_body());

// [MQTT-3.1.2-2]: unsupported level -> CONNACK "unacceptable protocol level"
// in the 3.1.1 layout (every version can read it), then close.
TEST(FailureResponse, UnsupportedLevelAnswersConnackIn311Layout) {
  for (const Bytes& wire : {pkt(0x10, concat({connect_vh("MQTT", 6, kClean), no_props(), str("c")})),
                            pkt(0x10, concat({connect_vh("MQTT", 3, kClean), str("c")})),
                            pkt(0x10, concat({connect_vh("MQIsdp", 4, kClean), str("c")}))}) {
    const ServerFailure f = server_failure(wire);
    EXPECT_EQ(f.error.code, E::kUnsupportedProtocolVersion);
    EXPECT_EQ(f.error.packet_type, PacketType::kConnect);
    const FailureResponse r = failure_response(f.error, f.version, false);
    EXPECT_EQ(r.action, FailureResponse::kConnackThenClose);
    EXPECT_EQ(r.reason, RC::kUnsupportedProtocolVersion);
    ASSERT_EQ(r.version, k311);
    EXPECT_EQ(to_v3_connack_code(r.reason), std::optional<std::uint8_t>(1));
    EXPECT_EQ(encode(Connack{false, r.reason, {}}, kS, *r.version), bytes({0x20, 0x02, 0x00, 0x01}));
  }
}

// [MQTT-3.1.2-1]: not MQTT at all -> close without answering.
TEST(FailureResponse, BadProtocolNameCloses) {
  const ServerFailure f = server_failure(pkt(0x10, concat({connect_vh("MQTX", 4, kClean), str("c")})));
  EXPECT_EQ(f.error.code, E::kProtocolNameInvalid);
  const FailureResponse r = failure_response(f.error, f.version, false);
  EXPECT_EQ(r.action, FailureResponse::kClose);
}

// 3.1.1 [MQTT-3.1.3-8]: empty client id with Clean Session 0 -> CONNACK 0x02
// (Identifier rejected), then close.
TEST(FailureResponse, V311EmptyClientIdAnswersIdentifierRejected) {
  const ServerFailure f = server_failure(pkt(0x10, concat({connect_vh("MQTT", 4, 0x00), str("")})));
  EXPECT_EQ(f.error.code, E::kClientIdentifierRejected);
  EXPECT_EQ(f.version, k311);
  const FailureResponse r = failure_response(f.error, f.version, false);
  EXPECT_EQ(r.action, FailureResponse::kConnackThenClose);
  EXPECT_EQ(r.reason, RC::kClientIdentifierNotValid);
  ASSERT_EQ(r.version, k311);
  EXPECT_EQ(encode(Connack{false, r.reason, {}}, kS, *r.version), bytes({0x20, 0x02, 0x00, 0x02}));
}

// 3.1: an empty client id is answered with return code 2 as well.
TEST(FailureResponse, V31EmptyClientIdAnswersIdentifierRejected) {
  const ServerFailure f = server_failure(pkt(0x10, concat({connect_vh("MQIsdp", 3, kClean), str("")})));
  EXPECT_EQ(f.error.code, E::kClientIdentifierRejected);
  const FailureResponse r = failure_response(f.error, f.version, false);
  EXPECT_EQ(r.action, FailureResponse::kConnackThenClose);
  ASSERT_EQ(r.version, k31);
  EXPECT_EQ(encode(Connack{false, r.reason, {}}, kS, *r.version), bytes({0x20, 0x02, 0x00, 0x02}));
}

// 3.1.1 [MQTT-3.1.4-1]: a malformed CONNECT closes without a CONNACK (there
// is no return code for it, [MQTT-3.2.2-6]).
TEST(FailureResponse, V311MalformedConnectClosesWithoutConnack) {
  for (const Bytes& wire : {pkt(0x10, concat({connect_vh("MQTT", 4, kClean | 0x01), str("c")})),  // reserved flag
                            pkt(0x10, concat({connect311_body(), bytes({0x00})})),                // trailing byte
                            pkt(0x10, concat({connect_vh("MQTT", 4, kClean | kPassword), str("c"), str("p")}))}) {
    const ServerFailure f = server_failure(wire);
    EXPECT_EQ(f.version, k311);
    const FailureResponse r = failure_response(f.error, f.version, false);
    EXPECT_EQ(r.action, FailureResponse::kClose) << to_string(f.error.code);
  }
}

// 5.0 [MQTT-4.13.1-1]: a malformed CONNECT MAY be answered with CONNACK 0x81.
TEST(FailureResponse, V5MalformedConnectAnswersConnack81) {
  const ServerFailure f =
      server_failure(pkt(0x10, concat({connect_vh("MQTT", 5, kClean | 0x01), no_props(), str("c")})));
  EXPECT_EQ(f.error.code, E::kConnectReservedFlag);
  EXPECT_EQ(f.version, k5);
  const FailureResponse r = failure_response(f.error, f.version, false);
  EXPECT_EQ(r.action, FailureResponse::kConnackThenClose);
  EXPECT_EQ(r.reason, RC::kMalformedPacket);
  ASSERT_EQ(r.version, k5);
  EXPECT_EQ(encode(Connack{false, r.reason, {}}, kS, *r.version), bytes({0x20, 0x03, 0x00, 0x81, 0x00}));
}

// 5.0: a Protocol Error in CONNECT is answered with CONNACK 0x82.
TEST(FailureResponse, V5ConnectProtocolErrorAnswersConnack82) {
  const ServerFailure f = server_failure(pkt(0x10, connect5_body(bytes({0x21, 0x00, 0x00}))));  // Receive Maximum 0
  EXPECT_EQ(f.error.code, E::kInvalidPropertyValue);
  const FailureResponse r = failure_response(f.error, f.version, false);
  EXPECT_EQ(r.action, FailureResponse::kConnackThenClose);
  EXPECT_EQ(r.reason, RC::kProtocolError);
  EXPECT_EQ(r.version, k5);
}

// 5.0 [MQTT-4.13.1-1]: after CONNACK, DISCONNECT with the reason, then close.
TEST(FailureResponse, V5ErrorAfterConnackSendsDisconnect) {
  const ServerFailure f =
      server_failure(concat({kConnect5, pkt(0x36, concat({str("t"), bytes({0x00, 0x01}), no_props()}))}));
  EXPECT_EQ(f.error.code, E::kQoSInvalid);
  EXPECT_EQ(f.error.packet_type, PacketType::kPublish);
  const FailureResponse r = failure_response(f.error, f.version, true);
  EXPECT_EQ(r.action, FailureResponse::kDisconnectThenClose);
  EXPECT_EQ(r.reason, RC::kMalformedPacket);
  ASSERT_EQ(r.version, k5);
  EXPECT_EQ(encode(Disconnect{r.reason, {}}, kS, *r.version), bytes({0xE0, 0x01, 0x81}));
}

// 5.0: the specific codes travel in the DISCONNECT: Topic Alias invalid (0x94), Packet too large (0x95).
TEST(FailureResponse, V5SpecificCodesAfterConnack) {
  const ServerFailure alias = server_failure(concat({kConnect5, pkt(0x30, publish5_body(bytes({0x23, 0x00, 0x00})))}));
  EXPECT_EQ(alias.error.code, E::kTopicAliasZero);
  FailureResponse r = failure_response(alias.error, alias.version, true);
  EXPECT_EQ(r.action, FailureResponse::kDisconnectThenClose);
  EXPECT_EQ(r.reason, RC::kTopicAliasInvalid);

  const ServerFailure large =
      server_failure(concat({kConnect5, pkt(0x30, concat({str("t"), no_props(), Bytes(40, 'x')}))}), 32);
  EXPECT_EQ(large.error.code, E::kPacketTooLarge);
  r = failure_response(large.error, large.version, true);
  EXPECT_EQ(r.action, FailureResponse::kDisconnectThenClose);
  EXPECT_EQ(r.reason, RC::kPacketTooLarge);
}

// 3.1.1 [MQTT-4.8.0-1]: after CONNACK every violation closes, no DISCONNECT.
TEST(FailureResponse, V311ErrorAfterConnackCloses) {
  const ServerFailure f = server_failure(concat({kConnect311, pkt(0x36, concat({str("t"), bytes({0x00, 0x01})}))}));
  EXPECT_EQ(f.error.code, E::kQoSInvalid);
  EXPECT_EQ(f.version, k311);
  const FailureResponse r = failure_response(f.error, f.version, true);
  EXPECT_EQ(r.action, FailureResponse::kClose);
}

// [MQTT-3.1.0-1]: not starting with CONNECT -> close without a word.
TEST(FailureResponse, FirstPacketNotConnectCloses) {
  const ServerFailure f = server_failure(bytes({0xC0, 0x00}));
  EXPECT_EQ(f.error.code, E::kFirstPacketNotConnect);
  EXPECT_FALSE(f.version.has_value());
  const FailureResponse r = failure_response(f.error, f.version, false);
  EXPECT_EQ(r.action, FailureResponse::kClose);
}

}  // namespace
}  // namespace roost::protocol::test
