// libFuzzer target for StreamFramer.
//
// Input: byte 0 picks the chunk size, byte 1 the limits profile, the rest is the stream.
// Invariants checked (a violation aborts):
//  - every APDU is non-empty, within max_apdu, and lies inside the stream;
//  - every error is a frame-layer error whose skipped bytes lie inside the stream;
//  - annotations lie inside the stream;
//  - bytes_buffered() never exceeds max_buffer;
//  - pushing in chunks gives exactly the events of pushing everything at once.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "frame/stream_framer.h"

namespace {

using sm::frame::Apdu;
using sm::frame::FrameError;
using sm::frame::FrameEvent;
using sm::frame::FramerLimits;
using sm::frame::StreamFramer;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_frame invariant violated: %s\n", what);
    std::abort();
  }
}

std::vector<FrameEvent> run(std::span<const std::uint8_t> stream, std::size_t chunk,
                            const FramerLimits& limits) {
  StreamFramer framer(limits);
  std::vector<FrameEvent> events;
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    auto got = framer.push(stream.subspan(i, std::min(chunk, stream.size() - i)));
    check(framer.bytes_buffered() <= limits.max_buffer, "buffer within max_buffer");
    events.insert(events.end(), got.begin(), got.end());
  }
  auto tail = framer.finish();
  events.insert(events.end(), tail.begin(), tail.end());
  check(framer.bytes_buffered() == 0, "finish() empties the buffer");
  check(framer.bytes_seen() == stream.size(), "bytes_seen counts every byte");
  return events;
}

bool same_event(const FrameEvent& x, const FrameEvent& y) {
  if (x.index() != y.index()) return false;
  if (const auto* a = std::get_if<Apdu>(&x)) {
    const auto& b = std::get<Apdu>(y);
    if (a->link != b.link || a->bytes != b.bytes || a->stream_offset != b.stream_offset ||
        a->stream_length != b.stream_length || a->link_frames != b.link_frames ||
        a->notes.size() != b.notes.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a->notes.size(); ++i) {
      const auto& n = a->notes[i];
      const auto& m = b.notes[i];
      if (n.offset != m.offset || n.length != m.length || n.layer != m.layer ||
          n.meaning != m.meaning) {
        return false;
      }
    }
    return true;
  }
  const auto& e = std::get<FrameError>(x);
  const auto& f = std::get<FrameError>(y);
  return e.error.code == f.error.code && e.error.message == f.error.message &&
         e.stream_offset == f.stream_offset && e.skipped == f.skipped;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::span<const std::uint8_t> input(data, size);
  const std::size_t chunk = 1 + input[0] % 64;
  FramerLimits limits;
  if ((input[1] & 1) != 0) {  // small limits reach the limit paths with small inputs
    limits.max_apdu = 64 + input[1];
    limits.max_buffer = 128 + 2 * static_cast<std::size_t>(input[1]);
    limits.max_segments = 2 + input[1] % 4;
    limits.max_garbage_run = 1 + input[1] % 32;
  }
  const auto stream = input.subspan(2);

  const auto events = run(stream, chunk, limits);
  for (const auto& event : events) {
    if (const auto* apdu = std::get_if<Apdu>(&event)) {
      check(!apdu->bytes.empty(), "APDU not empty");
      check(apdu->bytes.size() <= limits.max_apdu, "APDU within max_apdu");
      check(apdu->stream_offset + apdu->stream_length <= stream.size(), "APDU inside stream");
      check(apdu->link_frames >= 1, "APDU made of at least one frame");
      for (const auto& note : apdu->notes) {
        check(note.offset + note.length <= stream.size(), "annotation inside stream");
        check(note.space == "stream", "link annotations are in stream space");
      }
    } else {
      const auto& error = std::get<FrameError>(event);
      check(error.error.layer == sm::Layer::frame, "frame-layer error");
      check(error.stream_offset + error.skipped <= stream.size(), "skipped bytes inside stream");
      check(!error.error.message.empty(), "error has a message");
    }
  }

  const auto whole = run(stream, stream.empty() ? 1 : stream.size(), limits);
  check(whole.size() == events.size(), "chunking does not change the number of events");
  for (std::size_t i = 0; i < events.size(); ++i) {
    check(same_event(events[i], whole[i]), "chunking does not change the events");
  }
  return 0;
}
