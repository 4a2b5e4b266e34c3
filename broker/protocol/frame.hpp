#pragma once
// Frame: one encoded packet, ready for a gather write.
//
// The fixed header, variable header and properties live in the frame's own
// bytes (inline up to kInlineBytes, on the heap beyond). A PUBLISH's topic and
// payload are not copied: the gather list points at them, and keep_alive holds
// the shared buffer they live in until the frame is written.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/shared_bytes.hpp"

namespace roost::protocol {

class Frame {
 public:
  static constexpr std::size_t kInlineBytes = 96;
  static constexpr std::size_t kMaxSegments = 4;
  using Buffers = std::array<core::ByteView, kMaxSegments>;

  // Bytes on the wire.
  std::size_t size() const noexcept { return size_; }

  // Writes the gather list into `out`; returns the number of segments used.
  // The views stay valid while this frame is alive and unchanged.
  std::size_t buffers(Buffers& out) const noexcept;

  // Whether segment `i` of buffers() points outside the frame (a PUBLISH's
  // topic or payload, kept alive by kept()); other segments are the frame's
  // own bytes and die with it.
  bool is_view(std::size_t i) const noexcept { return segments_[i].view != nullptr; }

  // The whole packet in one vector (a copy; for tests and tools).
  std::vector<std::uint8_t> flatten() const;

  // Holds `bytes` (e.g. the message a PUBLISH's views point into) for the
  // frame's lifetime; `more` when the topic lives in a second buffer.
  void keep_alive(core::SharedBytes bytes, core::SharedBytes more = {}) noexcept {
    keep_alive_ = std::move(bytes);
    keep_alive_more_ = std::move(more);
  }

  // The buffers the frame keeps alive (for a queue that keeps views of it).
  std::array<const core::SharedBytes*, 2> kept() const noexcept { return {&keep_alive_, &keep_alive_more_}; }

  // --- for the Encoder ---
  // Empties the frame and returns room for `n` bytes of its own.
  std::uint8_t* reset(std::size_t n);
  // Appends a segment of the frame's own bytes.
  void add_own(std::size_t offset, std::size_t length) noexcept;
  // Appends a segment that points at bytes outside the frame.
  void add_view(core::ByteView view) noexcept;

 private:
  struct Segment {
    const std::uint8_t* view;  // null: own bytes at `offset`
    std::uint32_t offset;
    std::uint32_t length;
  };
  const std::uint8_t* own() const noexcept { return on_heap_ ? heap_.data() : inline_.data(); }

  std::array<std::uint8_t, kInlineBytes> inline_{};
  std::vector<std::uint8_t> heap_;
  bool on_heap_ = false;
  std::array<Segment, kMaxSegments> segments_{};
  std::uint8_t count_ = 0;
  std::size_t size_ = 0;
  core::SharedBytes keep_alive_;
  core::SharedBytes keep_alive_more_;
};

}  // namespace roost::protocol
