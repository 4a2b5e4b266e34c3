#include "protocol/reason_code.hpp"

namespace roost::protocol {

namespace {

// Bit per packet type (1 << PacketType) that may carry a reason code.
constexpr std::uint16_t bit(PacketType t) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(t)); }
constexpr std::uint16_t kConnack = bit(PacketType::kConnack);
constexpr std::uint16_t kPuback = bit(PacketType::kPuback);
constexpr std::uint16_t kPubrec = bit(PacketType::kPubrec);
constexpr std::uint16_t kPubrel = bit(PacketType::kPubrel);
constexpr std::uint16_t kPubcomp = bit(PacketType::kPubcomp);
constexpr std::uint16_t kSuback = bit(PacketType::kSuback);
constexpr std::uint16_t kUnsuback = bit(PacketType::kUnsuback);
constexpr std::uint16_t kDisconnect = bit(PacketType::kDisconnect);
constexpr std::uint16_t kAuth = bit(PacketType::kAuth);
constexpr std::uint16_t kPubAckRec = kPuback | kPubrec;

// A constant table: padding does not matter.
struct Entry {  // NOLINT(clang-analyzer-optin.performance.Padding)
  ReasonCode code = ReasonCode::kSuccess;
  std::string_view name;
  std::uint16_t packets = 0;
};

// Table 2-6 of the MQTT 5.0 specification.
constexpr Entry kTable[] = {
    {ReasonCode::kSuccess, "Success",
     kConnack | kPubAckRec | kPubrel | kPubcomp | kSuback | kUnsuback | kDisconnect | kAuth},
    {ReasonCode::kGrantedQoS1, "Granted QoS 1", kSuback},
    {ReasonCode::kGrantedQoS2, "Granted QoS 2", kSuback},
    {ReasonCode::kDisconnectWithWillMessage, "Disconnect with Will Message", kDisconnect},
    {ReasonCode::kNoMatchingSubscribers, "No matching subscribers", kPubAckRec},
    {ReasonCode::kNoSubscriptionExisted, "No subscription existed", kUnsuback},
    {ReasonCode::kContinueAuthentication, "Continue authentication", kAuth},
    {ReasonCode::kReAuthenticate, "Re-authenticate", kAuth},
    {ReasonCode::kUnspecifiedError, "Unspecified error", kConnack | kPubAckRec | kSuback | kUnsuback | kDisconnect},
    {ReasonCode::kMalformedPacket, "Malformed Packet", kConnack | kDisconnect},
    {ReasonCode::kProtocolError, "Protocol Error", kConnack | kDisconnect},
    {ReasonCode::kImplementationSpecificError, "Implementation specific error",
     kConnack | kPubAckRec | kSuback | kUnsuback | kDisconnect},
    {ReasonCode::kUnsupportedProtocolVersion, "Unsupported Protocol Version", kConnack},
    {ReasonCode::kClientIdentifierNotValid, "Client Identifier not valid", kConnack},
    {ReasonCode::kBadUserNameOrPassword, "Bad User Name or Password", kConnack},
    {ReasonCode::kNotAuthorized, "Not authorized", kConnack | kPubAckRec | kSuback | kUnsuback | kDisconnect},
    {ReasonCode::kServerUnavailable, "Server unavailable", kConnack},
    {ReasonCode::kServerBusy, "Server busy", kConnack | kDisconnect},
    {ReasonCode::kBanned, "Banned", kConnack},
    {ReasonCode::kServerShuttingDown, "Server shutting down", kDisconnect},
    {ReasonCode::kBadAuthenticationMethod, "Bad authentication method", kConnack | kDisconnect},
    {ReasonCode::kKeepAliveTimeout, "Keep Alive timeout", kDisconnect},
    {ReasonCode::kSessionTakenOver, "Session taken over", kDisconnect},
    {ReasonCode::kTopicFilterInvalid, "Topic Filter invalid", kSuback | kUnsuback | kDisconnect},
    {ReasonCode::kTopicNameInvalid, "Topic Name invalid", kConnack | kPubAckRec | kDisconnect},
    {ReasonCode::kPacketIdentifierInUse, "Packet Identifier in use", kPubAckRec | kSuback | kUnsuback},
    {ReasonCode::kPacketIdentifierNotFound, "Packet Identifier not found", kPubrel | kPubcomp},
    {ReasonCode::kReceiveMaximumExceeded, "Receive Maximum exceeded", kDisconnect},
    {ReasonCode::kTopicAliasInvalid, "Topic Alias invalid", kDisconnect},
    {ReasonCode::kPacketTooLarge, "Packet too large", kConnack | kDisconnect},
    {ReasonCode::kMessageRateTooHigh, "Message rate too high", kDisconnect},
    {ReasonCode::kQuotaExceeded, "Quota exceeded", kConnack | kPubAckRec | kSuback | kDisconnect},
    {ReasonCode::kAdministrativeAction, "Administrative action", kDisconnect},
    {ReasonCode::kPayloadFormatInvalid, "Payload format invalid", kConnack | kPubAckRec | kDisconnect},
    {ReasonCode::kRetainNotSupported, "Retain not supported", kConnack | kDisconnect},
    {ReasonCode::kQoSNotSupported, "QoS not supported", kConnack | kDisconnect},
    {ReasonCode::kUseAnotherServer, "Use another server", kConnack | kDisconnect},
    {ReasonCode::kServerMoved, "Server moved", kConnack | kDisconnect},
    {ReasonCode::kSharedSubscriptionsNotSupported, "Shared Subscriptions not supported", kSuback | kDisconnect},
    {ReasonCode::kConnectionRateExceeded, "Connection rate exceeded", kConnack | kDisconnect},
    {ReasonCode::kMaximumConnectTime, "Maximum connect time", kDisconnect},
    {ReasonCode::kSubscriptionIdentifiersNotSupported, "Subscription Identifiers not supported", kSuback | kDisconnect},
    {ReasonCode::kWildcardSubscriptionsNotSupported, "Wildcard Subscriptions not supported", kSuback | kDisconnect},
};

const Entry* find(ReasonCode code) noexcept {
  for (const Entry& e : kTable) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

}  // namespace

std::string_view to_string(ReasonCode code) noexcept {
  const Entry* e = find(code);
  return e ? e->name : "unknown reason code";
}

bool is_valid_for(ReasonCode code, PacketType type) noexcept {
  const Entry* e = find(code);
  return e != nullptr && (e->packets & bit(type)) != 0;
}

bool may_send_reason(ReasonCode code, PacketType type, Role sender) noexcept {
  if (!is_valid_for(code, type)) return false;
  const bool client = sender == Role::kClient;
  if (type == PacketType::kAuth) {
    switch (code) {
      case ReasonCode::kSuccess:
        return !client;
      case ReasonCode::kReAuthenticate:
        return client;
      default:
        return true;  // Continue authentication: either side
    }
  }
  if (type != PacketType::kDisconnect) return true;
  switch (code) {
    case ReasonCode::kDisconnectWithWillMessage:
      return client;
    // Table 3-10: sent by either side.
    case ReasonCode::kSuccess:
    case ReasonCode::kUnspecifiedError:
    case ReasonCode::kMalformedPacket:
    case ReasonCode::kProtocolError:
    case ReasonCode::kImplementationSpecificError:
    case ReasonCode::kTopicNameInvalid:
    case ReasonCode::kReceiveMaximumExceeded:
    case ReasonCode::kTopicAliasInvalid:
    case ReasonCode::kPacketTooLarge:
    case ReasonCode::kMessageRateTooHigh:
    case ReasonCode::kQuotaExceeded:
    case ReasonCode::kAdministrativeAction:
    case ReasonCode::kPayloadFormatInvalid:
      return true;
    default:
      return !client;  // the rest are the server's
  }
}

std::optional<std::uint8_t> to_v3_connack_code(ReasonCode code) noexcept {
  switch (code) {
    case ReasonCode::kSuccess:
      return 0;
    case ReasonCode::kUnsupportedProtocolVersion:
      return 1;
    case ReasonCode::kClientIdentifierNotValid:
      return 2;
    case ReasonCode::kServerUnavailable:
    case ReasonCode::kServerBusy:
    case ReasonCode::kUseAnotherServer:
    case ReasonCode::kServerMoved:
    case ReasonCode::kConnectionRateExceeded:
    case ReasonCode::kQuotaExceeded:
      return 3;
    case ReasonCode::kBadUserNameOrPassword:
    case ReasonCode::kBadAuthenticationMethod:
      return 4;
    case ReasonCode::kNotAuthorized:
    case ReasonCode::kBanned:
      return 5;
    default:
      return std::nullopt;
  }
}

std::optional<ReasonCode> from_v3_connack_code(std::uint8_t return_code) noexcept {
  switch (return_code) {
    case 0:
      return ReasonCode::kSuccess;
    case 1:
      return ReasonCode::kUnsupportedProtocolVersion;
    case 2:
      return ReasonCode::kClientIdentifierNotValid;
    case 3:
      return ReasonCode::kServerUnavailable;
    case 4:
      return ReasonCode::kBadUserNameOrPassword;
    case 5:
      return ReasonCode::kNotAuthorized;
    default:
      return std::nullopt;
  }
}

}  // namespace roost::protocol
