#include "protocol/errors.hpp"

namespace roost::protocol {

namespace {

struct Entry {
  DecodeErrc code;
  ReasonCode reason;
  std::string_view text;
};

constexpr ReasonCode kMP = ReasonCode::kMalformedPacket;
constexpr ReasonCode kPE = ReasonCode::kProtocolError;

// Where the 5.0 spec names the class (Malformed Packet or Protocol Error) we
// follow it; where it states only the MUST, a violation of the packet's
// layout is Malformed and a well-formed but forbidden value is a Protocol
// Error ([MQTT-1.2] definitions).
constexpr Entry kTable[] = {
    {DecodeErrc::kReservedPacketType, kMP, "reserved packet type [MQTT-2.1.2]"},
    {DecodeErrc::kReservedFlags, kMP, "reserved fixed-header flags not as required [MQTT-2.1.3-1]"},
    {DecodeErrc::kRemainingLengthTooLong, kMP, "variable byte integer longer than 4 bytes [MQTT-1.5.5]"},
    {DecodeErrc::kNonMinimalVariableInteger, kMP, "variable byte integer not minimally encoded [MQTT-1.5.5-1]"},
    {DecodeErrc::kPacketTooLarge, ReasonCode::kPacketTooLarge,
     "packet exceeds the maximum packet size [MQTT-3.2.2-15]"},
    {DecodeErrc::kFirstPacketNotConnect, kPE, "first packet is not CONNECT [MQTT-3.1.0-1]"},
    {DecodeErrc::kUnexpectedPacket, kPE, "packet type not expected from this side [MQTT-2.1.2]"},
    {DecodeErrc::kTruncated, kMP, "packet ends inside a field"},
    {DecodeErrc::kTrailingBytes, kMP, "unexpected bytes after the last field"},
    {DecodeErrc::kInvalidUtf8, kMP, "ill-formed UTF-8 string [MQTT-1.5.4-1]"},
    {DecodeErrc::kUtf8NullCharacter, kMP, "UTF-8 string contains U+0000 [MQTT-1.5.4-2]"},
    {DecodeErrc::kPropertyLengthOverflow, kMP, "property length exceeds the packet [MQTT-2.2.2]"},
    {DecodeErrc::kUnknownProperty, kMP, "unknown property identifier [MQTT-2.2.2.2]"},
    {DecodeErrc::kPropertyNotAllowed, kMP, "property not valid for this packet [MQTT-2.2.2.2]"},
    {DecodeErrc::kDuplicateProperty, kPE, "property included more than once"},
    {DecodeErrc::kInvalidPropertyValue, kPE, "property value out of range"},
    {DecodeErrc::kSubscriptionIdentifierFromClient, kPE,
     "Subscription Identifier in a PUBLISH from a client [MQTT-3.3.4-6]"},
    {DecodeErrc::kPropertyNotAllowedFromSender, kPE,
     "Session Expiry Interval in a DISCONNECT from the server [MQTT-3.14.2-2]"},
    {DecodeErrc::kAuthenticationDataWithoutMethod, kPE, "Authentication Data without Authentication Method"},
    {DecodeErrc::kMissingAuthenticationMethod, kPE, "AUTH without Authentication Method [MQTT-3.15.2.2.2]"},
    // Not a spec rule but a resource bound: the packet is valid, this server will not process it.
    {DecodeErrc::kTooManyUserProperties, ReasonCode::kImplementationSpecificError,
     "more User Properties than this server accepts in one packet"},
    {DecodeErrc::kProtocolNameInvalid, ReasonCode::kUnsupportedProtocolVersion,
     "protocol name is neither MQTT nor MQIsdp [MQTT-3.1.2-1]"},
    {DecodeErrc::kUnsupportedProtocolVersion, ReasonCode::kUnsupportedProtocolVersion,
     "unsupported protocol level [MQTT-3.1.2-2]"},
    {DecodeErrc::kConnectReservedFlag, kMP, "CONNECT reserved flag is not 0 [MQTT-3.1.2-3]"},
    {DecodeErrc::kWillFlagsWithoutWill, kMP, "Will QoS or Will Retain set without Will Flag [MQTT-3.1.2-11]"},
    {DecodeErrc::kWillQoSInvalid, kMP, "Will QoS 3 [MQTT-3.1.2-12]"},
    {DecodeErrc::kPasswordWithoutUsername, kMP, "password without user name [MQTT-3.1.2-22]"},
    {DecodeErrc::kClientIdentifierRejected, ReasonCode::kClientIdentifierNotValid,
     "empty client identifier not allowed [MQTT-3.1.3-8]"},
    {DecodeErrc::kSecondConnect, kPE, "second CONNECT on one connection [MQTT-3.1.0-2]"},
    {DecodeErrc::kConnackReservedFlags, kMP, "CONNACK reserved flags are not 0 [MQTT-3.2.2-1]"},
    {DecodeErrc::kSessionPresentWithError, kPE, "Session Present set on a refused connection [MQTT-3.2.2-6]"},
    {DecodeErrc::kInvalidReasonCode, kPE, "reason code not valid for this packet [MQTT-2.4]"},
    {DecodeErrc::kQoSInvalid, kMP, "PUBLISH with QoS 3 [MQTT-3.3.1-4]"},
    {DecodeErrc::kDupWithQoS0, kMP, "DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]"},
    {DecodeErrc::kPacketIdentifierZero, kPE, "packet identifier 0 [MQTT-2.2.1-3]"},
    {DecodeErrc::kTopicNameEmpty, kPE, "empty topic name without a Topic Alias [MQTT-4.7.3-1]"},
    {DecodeErrc::kTopicNameWildcard, kMP, "wildcard in a topic name [MQTT-3.3.2-2]"},
    {DecodeErrc::kTopicAliasZero, ReasonCode::kTopicAliasInvalid, "Topic Alias 0 [MQTT-3.3.2-8]"},
    {DecodeErrc::kNoTopicFilters, kPE, "SUBSCRIBE or UNSUBSCRIBE without a topic filter [MQTT-3.8.3-2]"},
    {DecodeErrc::kTopicFilterInvalid, kMP, "ill-formed topic filter [MQTT-4.7.1-1]"},
    {DecodeErrc::kSharedSubscriptionInvalid, kMP, "ill-formed shared subscription filter [MQTT-4.8.2-2]"},
    {DecodeErrc::kSubscriptionOptionsReserved, kMP, "reserved subscription option bits set [MQTT-3.8.3-5]"},
    {DecodeErrc::kSubscriptionQoSInvalid, kPE, "subscription with maximum QoS 3 [MQTT-3.8.3.1]"},
    {DecodeErrc::kRetainHandlingInvalid, kPE, "Retain Handling 3 [MQTT-3.8.3.1]"},
    {DecodeErrc::kNoLocalOnSharedSubscription, kPE, "No Local on a shared subscription [MQTT-3.8.3-4]"},
    {DecodeErrc::kNoReasonCodes, kMP, "SUBACK or UNSUBACK without reason codes [MQTT-3.9.3]"},
};

const Entry* find(DecodeErrc code) {
  for (const Entry& e : kTable) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

}  // namespace

ReasonCode reason_code(DecodeErrc code) noexcept {
  const Entry* e = find(code);
  return e ? e->reason : ReasonCode::kMalformedPacket;
}

std::string_view to_string(DecodeErrc code) noexcept {
  const Entry* e = find(code);
  return e ? e->text : "unknown decode error";
}

std::string_view to_string(EncodeErrc code) noexcept {
  switch (code) {
    case EncodeErrc::kNotInVersion:
      return "packet does not exist in this protocol version or direction";
    case EncodeErrc::kStringTooLong:
      return "string or binary field longer than 65535 bytes";
    case EncodeErrc::kPacketTooLarge:
      return "packet larger than the protocol allows";
    case EncodeErrc::kInvalidValue:
      return "field value not allowed";
    case EncodeErrc::kPropertyNotAllowed:
      return "property not allowed in this packet";
    case EncodeErrc::kInvalidUtf8:
      return "string is not well-formed UTF-8 or contains U+0000";
    case EncodeErrc::kInvalidTopic:
      return "topic name or topic filter not valid";
  }
  return "unknown encode error";
}

FailureResponse failure_response(const DecodeError& error, std::optional<ProtocolVersion> version,
                                 bool connack_sent) noexcept {
  const ReasonCode reason = reason_code(error.code);
  if (error.code == DecodeErrc::kFirstPacketNotConnect || error.code == DecodeErrc::kProtocolNameInvalid) {
    // Not (yet) talking MQTT: nothing to answer in [MQTT-3.1.2-1], [MQTT-3.1.0-1].
    return {FailureResponse::kClose, reason, version};
  }
  if (error.code == DecodeErrc::kUnsupportedProtocolVersion) {
    // [MQTT-3.1.2-2]: CONNACK "unacceptable protocol level", in the 3.1.1
    // layout every version can read, then close.
    return {FailureResponse::kConnackThenClose, reason, ProtocolVersion::kV311};
  }
  if (!version) return {FailureResponse::kClose, reason, version};
  if (!connack_sent && error.packet_type == PacketType::kConnect) {
    // 3.x has CONNACK codes only for a rejected identifier [MQTT-3.1.3-8];
    // other CONNECT errors close without a CONNACK [MQTT-3.1.4-1]. 5.0 MAY
    // send any failure reason [MQTT-4.13.1-1].
    if (*version == ProtocolVersion::kV5 || error.code == DecodeErrc::kClientIdentifierRejected) {
      return {FailureResponse::kConnackThenClose, reason, version};
    }
    return {FailureResponse::kClose, reason, version};
  }
  // After the connection is accepted: 5.0 SHOULD send DISCONNECT, 3.x closes [MQTT-4.13.1-1].
  if (connack_sent && *version == ProtocolVersion::kV5) return {FailureResponse::kDisconnectThenClose, reason, version};
  return {FailureResponse::kClose, reason, version};
}

}  // namespace roost::protocol
