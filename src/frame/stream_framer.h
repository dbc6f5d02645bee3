// StreamFramer: bytes in (any chunking), complete APDUs out.
//
// Auto-detects the link layer per frame: M-Bus long frames (EN 13757-2, with DLMS CI
// segmentation and the Sagemcom L=0x01 quirk), HDLC type 3 (IEC 62056-46, with the
// segmentation bit and LLC), the DLMS wrapper (IEC 62056-47), bare ciphered APDUs (DB/DF)
// and bare data-notifications (0F). General-Block-Transfer (E0) blocks are reassembled
// into the APDU they carry. Frames are found by their length fields; bytes that start no
// valid frame are skipped one at a time (a loop, never recursion) and reported as one
// FrameError per contiguous run of garbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "frame/frame.h"

namespace sm::frame {

struct FramerLimits {
  std::size_t max_apdu = std::size_t{64} * 1024;     // reassembled APDU size limit
  std::size_t max_buffer = std::size_t{128} * 1024;  // bytes held waiting for a frame to complete
  std::size_t max_segments = 64;                     // segments / GBT blocks per APDU
  // A run of unrecognised bytes is reported as one FrameError when it ends; a longer run
  // is reported in pieces of this size, so a stream of pure noise (wrong baud rate or
  // serial format) still shows errors while it lasts.
  std::size_t max_garbage_run = 4096;
};

// Whether the framer builds link-layer annotations (Apdu::notes) for `decode --format
// explain`. Building them costs more than framing itself, so a framer that nobody asks
// for explanations (the exporter, the decoder without explain) is made with `no`.
enum class Annotate : bool { no = false, yes = true };

class StreamFramer {
 public:
  explicit StreamFramer(FramerLimits limits = {}, Annotate annotate = Annotate::yes);
  ~StreamFramer();
  StreamFramer(StreamFramer&&) noexcept;
  StreamFramer& operator=(StreamFramer&&) noexcept;

  // Feed bytes; returns every APDU completed and every framing error found so far.
  // Apdu::notes stays empty unless the framer was made with Annotate::yes.
  std::vector<FrameEvent> push(std::span<const std::uint8_t> bytes);

  // End of input (file end, source closed): whatever is pending becomes an
  // `incomplete` error (a truncated frame, a missing segment or GBT block).
  std::vector<FrameEvent> finish();

  // The same, with the events put into `out` (its previous contents are dropped, its
  // capacity is reused), for callers that push many times.
  void push(std::span<const std::uint8_t> bytes, std::vector<FrameEvent>& out);
  void finish(std::vector<FrameEvent>& out);

  // Hands back the buffer of an APDU the caller is done with (its Apdu::bytes): the next
  // APDU is built in it, so that a steady stream of frames allocates nothing once warm.
  void recycle(std::vector<std::uint8_t>&& apdu_bytes) noexcept;

  // Forget pending bytes and partial reassemblies (source reconnected).
  void reset();

  // Total bytes pushed so far (stream offsets are counted from the first push).
  [[nodiscard]] std::size_t bytes_seen() const noexcept;

  // Bytes held while waiting for a frame to complete (never more than max_buffer).
  [[nodiscard]] std::size_t bytes_buffered() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sm::frame
