#pragma once
// Encoder: packet -> Frame, for one connection's negotiated version.

#include "core/result.hpp"
#include "protocol/errors.hpp"
#include "protocol/frame.hpp"
#include "protocol/packet.hpp"
#include "protocol/types.hpp"

namespace roost::protocol {

class Encoder {
 public:
  // `role`: the side that sends. `version`: what the peer speaks.
  Encoder(Role role, ProtocolVersion version) noexcept : role_(role), version_(version) {}

  ProtocolVersion version() const noexcept { return version_; }

  // Encodes `packet` into `frame`, replacing what it held. 5.0-only fields
  // are left out for a 3.x peer. Fails, leaving `frame` unusable, when the
  // packet does not exist for this role and version, or holds anything the
  // receiving decoder would refuse (strings included): what encodes, decodes.
  // A PUBLISH's topic and payload are referenced, not copied: they must
  // outlive the frame.
  core::Result<void, EncodeErrc> encode(const PacketBody& packet, Frame& frame) const;

  // The same, and the frame holds the packet's bytes until it is gone.
  core::Result<void, EncodeErrc> encode(const Packet& packet, Frame& frame) const;

  // The publish path: encodes a PUBLISH whose strings came from a Decoder
  // (they were validated there and are not scanned again for each
  // subscriber) and whose views point into `message`, which the frame holds.
  // `verbatim_properties` (5.0): an encoded property list, without its
  // length, sent after the PUBLISH's own properties; the message's
  // forwardable properties, encoded once for all subscribers.
  core::Result<void, EncodeErrc> encode_forward(const Publish& publish, const core::SharedBytes& message, Frame& frame,
                                                core::ByteView verbatim_properties = {}) const;

  // Bytes encode_forward() would put on the wire (for the peer's Maximum
  // Packet Size, checked before a packet identifier is spent).
  std::size_t forward_size(const Publish& publish, core::ByteView verbatim_properties = {}) const noexcept;

 private:
  core::Result<void, EncodeErrc> encode_publish(const Publish& p, bool trusted, core::ByteView verbatim,
                                                Frame& frame) const;

  Role role_;
  ProtocolVersion version_;
};

}  // namespace roost::protocol
