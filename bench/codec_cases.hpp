#pragma once
// The codec operations the benchmarks measure, shared by the Google Benchmark
// program (time per operation) and the fixed-count driver used with
// callgrind (instructions per operation, repeatable on a noisy machine).

#include <string>
#include <vector>

#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"

namespace roost::bench {

using namespace roost::protocol;

inline const std::string kTopic = "homeassistant/sensor/livingroom/temperature/state";

// The wire bytes of a client's PUBLISH to kTopic.
inline std::vector<std::uint8_t> publish_wire(ProtocolVersion v, QoS qos, std::size_t payload_size, bool with_props) {
  static std::string payload;
  payload.assign(payload_size, 'x');
  Publish p;
  p.topic = kTopic;
  p.qos = qos;
  p.packet_id = qos == QoS::k0 ? 0 : 7;
  p.payload = core::as_bytes(payload);
  if (with_props) {
    p.properties.message_expiry_interval = 3600;
    p.properties.content_type = "application/json";
    p.properties.user_properties.push_back({"origin", "zigbee2mqtt"});
  }
  Frame frame;
  (void)Encoder(Role::kClient, v).encode(p, frame);
  return frame.flatten();
}

// Decodes one PUBLISH held whole in `wire`, as a server connection does.
class DecodePublish {
 public:
  DecodePublish(ProtocolVersion v, QoS qos, std::size_t payload_size, bool with_props)
      : wire_(publish_wire(v, qos, payload_size, with_props)),
        decoder_(Role::kServer, DecoderLimits(kMaxPacketSizeLimit)) {
    decoder_.set_version(v);
  }
  std::size_t wire_size() const { return wire_.size(); }
  bool run() {
    core::ByteView input(wire_.data(), wire_.size());
    return decoder_.next(input, packet_).has_value();
  }

 private:
  std::vector<std::uint8_t> wire_;
  Decoder decoder_;
  Packet packet_;  // reused, as a connection does
};

// Encodes a received PUBLISH for one subscriber: header bytes plus views.
class EncodePublish {
 public:
  EncodePublish(ProtocolVersion v, QoS qos, std::size_t payload_size, bool with_props) : encoder_(Role::kServer, v) {
    const auto wire = publish_wire(v, qos, payload_size, with_props);
    Decoder decoder(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
    decoder.set_version(v);
    core::ByteView input(wire.data(), wire.size());
    (void)decoder.next(input, packet_);
  }
  bool run() { return encoder_.encode_forward(std::get<Publish>(packet_.body), packet_.backing, frame_).has_value(); }

 private:
  Encoder encoder_;
  Packet packet_;
  Frame frame_;
};

// Decodes a stream of `count` 5.0 PUBACKs.
class DecodePubacks {
 public:
  explicit DecodePubacks(int count) : count_(count), decoder_(Role::kServer, DecoderLimits(kMaxPacketSizeLimit)) {
    for (int i = 1; i <= count; ++i) {
      Puback ack;
      ack.packet_id = static_cast<std::uint16_t>(i);
      Frame f;
      (void)Encoder(Role::kClient, ProtocolVersion::kV5).encode(PacketBody{ack}, f);
      const auto b = f.flatten();
      stream_.insert(stream_.end(), b.begin(), b.end());
    }
    decoder_.set_version(ProtocolVersion::kV5);
  }
  int count() const { return count_; }
  bool run() {
    core::ByteView input(stream_.data(), stream_.size());
    bool ok = true;
    while (!input.empty()) ok &= decoder_.next(input, packet_).has_value();
    return ok;
  }

 private:
  int count_;
  std::vector<std::uint8_t> stream_;
  Decoder decoder_;
  Packet packet_;
};

// Decodes a typical 5.0 CONNECT with a fresh decoder, as each new connection does.
class DecodeConnect {
 public:
  DecodeConnect() {
    Connect c;
    c.version = ProtocolVersion::kV5;
    c.client_id = "zigbee2mqtt_4f2a";
    c.username = "zigbee2mqtt";
    static const std::string password = "correct horse battery staple";
    c.password = core::as_bytes(password);
    c.properties.session_expiry_interval = 3600;
    c.properties.receive_maximum = 100;
    Frame f;
    (void)Encoder(Role::kClient, ProtocolVersion::kV5).encode(PacketBody{c}, f);
    wire_ = f.flatten();
  }
  bool run() {
    Decoder decoder(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
    core::ByteView input(wire_.data(), wire_.size());
    return decoder.next(input, packet_).has_value();
  }

 private:
  std::vector<std::uint8_t> wire_;
  Packet packet_;
};

}  // namespace roost::bench
