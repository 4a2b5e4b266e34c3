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
  // packet does not exist for this role and version or a value does not fit.
  // A PUBLISH's topic and payload are referenced, not copied: they must
  // outlive the frame (see Frame::keep_alive).
  core::Result<void, EncodeErrc> encode(const PacketBody& packet, Frame& frame) const;
  core::Result<void, EncodeErrc> encode(const Publish& publish, Frame& frame) const;

 private:
  Role role_;
  ProtocolVersion version_;
};

}  // namespace roost::protocol
