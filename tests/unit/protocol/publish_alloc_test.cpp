// The publish path allocates once per message: decoding a PUBLISH makes the
// one SharedBytes that holds it, and encoding it for a subscriber allocates
// nothing. Counted by replacing the global operator new in this binary.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "codec_test_util.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<int> g_allocations{0};

void* counted_alloc(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// Counts allocations made while alive.
class AllocationCounter {
 public:
  AllocationCounter() {
    g_allocations = 0;
    g_counting = true;
  }
  ~AllocationCounter() { g_counting = false; }
  int count() const { return g_allocations.load(); }
};
}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace roost::protocol::test {
namespace {

// A PUBLISH of a 64-byte payload to a typical Home Assistant topic.
Bytes publish_wire(ProtocolVersion v, QoS qos) {
  Publish p;
  p.topic = "homeassistant/sensor/livingroom/temperature/state";
  p.qos = qos;
  p.packet_id = qos == QoS::k0 ? 0 : 42;
  static const std::string payload(64, 'x');
  p.payload = view(payload);
  return encode(PacketBody{p}, Role::kClient, v);
}

void expect_one_allocation_to_decode(ProtocolVersion v, QoS qos) {
  const Bytes wire = publish_wire(v, qos);
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  d.set_version(v);
  core::ByteView input(wire.data(), wire.size());
  int allocations = 0;
  {
    AllocationCounter counter;
    auto step = d.next(input);
    allocations = counter.count();
    ASSERT_TRUE(step.has_value() && step->has_value());
  }
  EXPECT_EQ(allocations, 1) << to_string(v) << ": decoding must allocate only the message buffer";
}

void expect_no_allocation_to_encode(ProtocolVersion v, QoS qos) {
  const Bytes wire = publish_wire(v, qos);
  Decoder d(Role::kServer, DecoderLimits(kMaxPacketSizeLimit));
  d.set_version(v);
  core::ByteView input(wire.data(), wire.size());
  auto step = d.next(input);
  ASSERT_TRUE(step.has_value() && step->has_value());
  const Packet packet = std::move(**step);
  const auto& publish = std::get<Publish>(packet.body);
  Encoder encoder(Role::kServer, v);
  Frame frame;
  int allocations = 0;
  {
    AllocationCounter counter;
    auto result = encoder.encode_forward(publish, packet.backing, frame);
    allocations = counter.count();
    ASSERT_TRUE(result.has_value());
  }
  EXPECT_EQ(allocations, 0) << to_string(v) << ": encoding must not allocate";
  EXPECT_EQ(frame.flatten(), wire);
}

TEST(PublishAllocations, DecodeAllocatesOnlyTheMessage) {
  for (ProtocolVersion v : {ProtocolVersion::kV31, ProtocolVersion::kV311, ProtocolVersion::kV5}) {
    for (QoS q : {QoS::k0, QoS::k1, QoS::k2}) expect_one_allocation_to_decode(v, q);
  }
}

TEST(PublishAllocations, EncodeAllocatesNothing) {
  for (ProtocolVersion v : {ProtocolVersion::kV31, ProtocolVersion::kV311, ProtocolVersion::kV5}) {
    for (QoS q : {QoS::k0, QoS::k1, QoS::k2}) expect_no_allocation_to_encode(v, q);
  }
}

TEST(PublishAllocations, CounterSeesAllocations) {
  // Guards the two tests above against a counter that never counts.
  AllocationCounter counter;
  auto* p = new int(7);
  const int seen = counter.count();
  delete p;
  EXPECT_EQ(seen, 1);
}

}  // namespace
}  // namespace roost::protocol::test
