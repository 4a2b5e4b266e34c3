// OutputQueue: gather batches, partial writes, and buffers kept alive.

#include "net/output_queue.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/encoder.hpp"

namespace roost::net {
namespace {

protocol::Frame publish_frame(const core::SharedBytes& message, std::size_t topic_len) {
  protocol::Publish p;
  p.topic = core::as_chars(message.view().first(topic_len));
  p.payload = message.view().subspan(topic_len);
  protocol::Frame frame;
  EXPECT_TRUE(protocol::Encoder(protocol::Role::kServer, protocol::ProtocolVersion::kV311)
                  .encode_forward(p, message, frame)
                  .has_value());
  return frame;
}

// Drains `q` with writes of at most `chunk` bytes; returns everything written.
std::string drain(OutputQueue& q, std::size_t chunk) {
  std::string out;
  std::vector<core::ByteView> pieces;
  while (!q.empty()) {
    q.prepare(pieces, 3);
    std::size_t budget = chunk;
    std::size_t written = 0;
    for (const core::ByteView p : pieces) {
      const std::size_t n = std::min(budget, p.size());
      out.append(core::as_chars(p.first(n)));
      written += n;
      budget -= n;
      if (budget == 0) break;
    }
    q.consume(written);
  }
  return out;
}

TEST(OutputQueue, SmallFramesAreCoalescedIntoFewBuffers) {
  OutputQueue q;
  const auto message = core::SharedBytes::copy_of(core::as_bytes("t/1hello"));
  for (int i = 0; i < 10; ++i) q.append(publish_frame(message, 3));
  std::vector<core::ByteView> pieces;
  q.prepare(pieces, 64);
  EXPECT_EQ(pieces.size(), 1u);  // one contiguous block
  EXPECT_EQ(pieces[0].size(), 10u * 12u);
}

TEST(OutputQueue, LargePayloadIsReferencedAndKeptAlive) {
  OutputQueue q;
  std::string expected;
  {
    const std::string payload(2000, 'x');
    const auto message = core::SharedBytes::copy_of(core::as_bytes("big" + payload));
    const protocol::Frame frame = publish_frame(message, 3);
    expected = std::string(core::as_chars(core::ByteView(frame.flatten())));
    q.append(frame);
  }  // the message's last owner outside the queue is gone
  std::vector<core::ByteView> pieces;
  q.prepare(pieces, 64);
  ASSERT_EQ(pieces.size(), 2u);  // header copied, payload referenced
  EXPECT_EQ(pieces[1].size(), 2000u);
  EXPECT_EQ(drain(q, 1 << 20), expected);  // ASan would catch a freed payload
}

TEST(OutputQueue, LargeFrameOwnBytesAreCopiedNotReferenced) {
  // A SUBACK for 600 filters: 600 reason codes in the frame's own heap bytes.
  OutputQueue q;
  std::string expected;
  {
    protocol::Suback ack;
    ack.packet_id = 7;
    ack.reason_codes.assign(600, protocol::ReasonCode::kGrantedQoS1);
    protocol::Frame frame;
    ASSERT_TRUE(
        protocol::Encoder(protocol::Role::kServer, protocol::ProtocolVersion::kV311).encode(ack, frame).has_value());
    const auto bytes = frame.flatten();
    expected.assign(bytes.begin(), bytes.end());
    q.append(frame);
  }                             // the frame is gone: the queue must not point into it (ASan checks)
  std::string junk(4096, 'x');  // reuse the freed memory
  EXPECT_EQ(drain(q, 1000), expected);
  EXPECT_EQ(junk.size(), 4096U);
}

TEST(OutputQueue, PartialWritesResumeExactlyWhereTheyStopped) {
  for (const std::size_t chunk : {1u, 7u, 100u, 5000u}) {
    OutputQueue q;
    std::string expected;
    for (int i = 0; i < 20; ++i) {
      const std::string payload(i % 3 == 0 ? 900 : 20, static_cast<char>('a' + i));
      const auto message = core::SharedBytes::copy_of(core::as_bytes("t" + payload));
      const protocol::Frame frame = publish_frame(message, 1);
      const auto bytes = frame.flatten();
      expected.append(bytes.begin(), bytes.end());
      q.append(frame);
    }
    EXPECT_EQ(drain(q, chunk), expected) << chunk;
  }
}

TEST(OutputQueue, AppendsDuringAWriteGoToTheNextBatch) {
  OutputQueue q;
  const auto m1 = core::SharedBytes::copy_of(core::as_bytes("aFIRST"));
  const auto m2 = core::SharedBytes::copy_of(core::as_bytes("bSECOND"));
  q.append(publish_frame(m1, 1));
  std::vector<core::ByteView> pieces;
  q.prepare(pieces, 64);
  const core::ByteView first = pieces[0];
  q.append(publish_frame(m2, 1));  // must not move the bytes being written
  EXPECT_EQ(core::as_chars(first).substr(5), "FIRST");
  q.consume(first.size());
  q.prepare(pieces, 64);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(core::as_chars(pieces[0]).substr(5), "SECOND");
  q.consume(pieces[0].size());
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace roost::net
