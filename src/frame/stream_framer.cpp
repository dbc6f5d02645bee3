// StreamFramer: the streaming state machine over the link-layer probes (link_frames.h).
//
// At the current stream position the first byte picks the candidate framing (68 M-Bus,
// 7E HDLC, 00 wrapper, DB/DF ciphered APDU, 0F data-notification, E6 LLC + APDU, '/' DSMR
// telegram: the list in framings.h; an HDLC format byte right after an HDLC frame whose
// closing flag doubles as the next opening flag). The probe then says: wait, not a frame,
// a recognised frame that failed a check, or a frame. Bytes that start no frame are
// skipped one at a time in a loop; a contiguous run of them is reported as one FrameError
// when the run ends.
//
// Strong and weak candidates. M-Bus and HDLC frames and DSMR telegrams with a CRC carry
// checksums, so a frame that verifies is one. The wrapper and bare APDUs carry nothing but
// their own length, so random bytes can look like their header and claim up to 64 KiB; a
// DSMR telegram without a CRC (DSMR 2.2/3.0) carries nothing but its shape. Two rules keep
// such a weak candidate from swallowing real frames (resync.cpp); a CRC-less telegram is
// held to them once it is complete (Probe::unchecked):
//  - a weak candidate is garbage when a verified M-Bus or HDLC header lies inside the
//    bytes it claims (checked while it waits, and again when it is complete);
//  - after a checksum failure (M-Bus, HDLC, DSMR CRC) the framer resyncs byte-wise (a
//    truncated frame must not take the next frame's start with it), but looks only for
//    checksummed frames inside the bytes the bad frame claimed: its payload must not come
//    out as a bare APDU.
//
// Every decision depends only on the bytes of the stream, never on chunk boundaries:
// byte-at-a-time and all-at-once give the same events (tested).
//
// This file holds the window and the loop; framer_state.h says where the other parts are.
#include "frame/stream_framer.h"

#include <algorithm>
#include <string>

#include "frame/framer_state.h"
#include "frame/framings.h"
#include "frame/resync.h"

namespace sm::frame {
namespace detail {

using link::Verdict;

// ---- input -------------------------------------------------------------------------------
inline void Framer::push(std::span<const std::uint8_t> input) {
  while (!input.empty()) {
    std::size_t n = 0;
    const bool direct = buffer.empty();
    if (direct) {
      // Nothing held: frame the caller's bytes where they are; only a rest is copied.
      n = std::min(limits.max_buffer, input.size());
      window = input.first(n);
    } else {
      // process() never leaves max_buffer bytes waiting, so there is always room.
      const std::size_t room =
          limits.max_buffer > buffer.size() ? limits.max_buffer - buffer.size() : 1;
      n = std::min(room, input.size());
      buffer.insert(buffer.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(n));
      window = buffer;
    }
    input = input.subspan(n);
    bytes_seen += n;
    process(false);
    keep_rest(direct);
  }
}

// The bytes process() left unconsumed (a frame waiting for its rest) go to the buffer.
inline void Framer::keep_rest(bool direct) {
  if (direct) {
    buffer.assign(window.begin() + static_cast<std::ptrdiff_t>(head), window.end());
  } else {
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(head));
  }
  window_offset += head;
  head = 0;
  window = buffer;
}

namespace {

std::size_t offset_of(const FrameEvent& e) {
  if (const auto* a = std::get_if<Apdu>(&e)) return a->stream_offset;
  return std::get<FrameError>(e).stream_offset;
}

}  // namespace

void Framer::finish() {
  window = buffer;
  process(true);
  flush_run();
  report_incomplete();
  std::stable_sort(events.begin(), events.end(), [](const FrameEvent& a, const FrameEvent& b) {
    return offset_of(a) < offset_of(b);
  });
  clear();
}

void Framer::clear() {
  buffer.clear();
  window = {};
  head = 0;
  window_offset = bytes_seen;
  run = {};
  mbus.reset();
  hdlc.reset();
  gbt.reset();
  hdlc_shared_flag_at = kNowhere;
}

// ---- the loop ----------------------------------------------------------------------------
void Framer::process(bool stream_ended) {
  while (head < window.size()) {
    const std::size_t at = window_offset + head;
    const auto view = window.subspan(head);
    const auto first = link::byte_at(view, 0);
    if (first == kHdlcFlag) {
      // Flags between frames (or a lone flag at the very end) are fill, not garbage.
      const auto second = link::byte_at(view, 1);
      if (second ? *second == kHdlcFlag : stream_ended) {
        skip_idle_flag(at);
        continue;
      }
    }
    std::uint8_t k = first ? classify(*first, at) : kNoFraming;
    // Inside the bytes a frame that failed its checksum claimed, only strong candidates.
    if (k != kNoFraming && kFramings[k].strength == Strength::weak && at < no_weak_before) {
      k = kNoFraming;
    }
    if (k == kNoFraming) {
      skip_garbage(at);
      continue;
    }
    const Framing& framing = kFramings[k];
    const bool weak = framing.strength == Strength::weak;
    parsed.notes.clear();
    const link::Probe p = dispatch<Step::probe>(k, *this, view, at, stream_ended);
    switch (p.verdict) {
      case Verdict::need_more:
        if (weak && strong_header_inside(at, window_offset + window.size())) {
          skip_garbage(at);
          continue;
        }
        if (stream_ended) {
          report_truncated(framing, at, view.size(), p.size);
          head = window.size();
          return;
        }
        if (view.size() >= limits.max_buffer) {  // defensive: probes enforce their limits
          skip_over_limit(framing, at);
          continue;
        }
        return;  // wait for more bytes
      case Verdict::no_frame:
        skip_garbage(at);
        continue;
      case Verdict::corrupt:
        // Same rule as for waiting and complete weak candidates, over the bytes the
        // verdict needed: whatever the chunking, a header inside makes it plain garbage.
        if (weak && strong_header_inside(at, at + p.size)) {
          skip_garbage(at);
          continue;
        }
        skip_corrupt(p, at);
        continue;
      case Verdict::unusable:
        skip_unusable(p, at);
        continue;
      case Verdict::frame:
        // A frame without a checksum (Probe::unchecked) is held to a weak candidate's rules.
        if ((weak || p.unchecked) &&
            (at < no_weak_before || strong_header_inside(at, at + p.size))) {
          skip_garbage(at);
          continue;
        }
        flush_run();
        head += p.size;
        // A verified frame ends any claim of an earlier corrupt frame on these bytes.
        no_weak_before = 0;
        dispatch<Step::deliver>(k, *this, at, p.size);
        continue;
    }
  }
}

// The framing (its index in kFramings) whose frame may start with `first` at `at`;
// kNoFraming when none may.
std::uint8_t Framer::classify(std::uint8_t first, std::size_t at) const {
  const std::uint8_t k = kFramingByStartByte[first];
  if (k != kNoFraming) return k;
  if (at == hdlc_shared_flag_at && (first & 0xF0u) == 0xA0u) return kHdlcSharedFlag;
  return kNoFraming;
}

}  // namespace detail

struct StreamFramer::Impl : detail::Framer {
  using Framer::Framer;
};

StreamFramer::StreamFramer(FramerLimits limits, Annotate annotate)
    : impl_(std::make_unique<Impl>(limits, annotate)) {}
StreamFramer::~StreamFramer() = default;
StreamFramer::StreamFramer(StreamFramer&&) noexcept = default;
StreamFramer& StreamFramer::operator=(StreamFramer&&) noexcept = default;

std::vector<FrameEvent> StreamFramer::push(std::span<const std::uint8_t> bytes) {
  std::vector<FrameEvent> out;
  push(bytes, out);
  return out;
}

std::vector<FrameEvent> StreamFramer::finish() {
  std::vector<FrameEvent> out;
  finish(out);
  return out;
}

// The events are collected in `out` itself (swapped in and out of the Impl), so a caller
// that keeps its vector reuses its capacity.
[[gnu::hot]] void StreamFramer::push(std::span<const std::uint8_t> bytes,
                                     std::vector<FrameEvent>& out) {
  out.clear();
  std::swap(impl_->events, out);
  impl_->push(bytes);
  std::swap(impl_->events, out);
}

void StreamFramer::finish(std::vector<FrameEvent>& out) {
  out.clear();
  std::swap(impl_->events, out);
  impl_->finish();
  std::swap(impl_->events, out);
}

void StreamFramer::recycle(std::vector<std::uint8_t>&& apdu_bytes) noexcept {
  if (apdu_bytes.capacity() > impl_->spare.capacity()) impl_->spare.swap(apdu_bytes);
}

void StreamFramer::reset() {
  impl_->clear();
}

std::size_t StreamFramer::bytes_seen() const noexcept {
  return impl_->bytes_seen;
}

std::size_t StreamFramer::bytes_buffered() const noexcept {
  return impl_->buffer.size();
}

}  // namespace sm::frame
