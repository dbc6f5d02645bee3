// Reassembly's rare paths: dropped reassemblies, limits, segments out of order or without
// their first, the end of the stream with reassemblies open. The frame path is inline in
// reassembly.h.
#include "frame/reassembly.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "frame/framer_state.h"

namespace sm::frame::detail {

void Framer::drop(Reassembly& ra, ErrorCode code, const std::string& message) {
  const Unit& u = ra.unit;
  report(code, u.stream_offset, u.stream_end - u.stream_offset, message);
  ra.reset();
}

// Why an APDU of `frames` frames is not taken (within_limits() said no).
std::string Framer::over_limits(std::size_t frames) const {
  if (frames > limits.max_segments) {
    return "APDU split over more than " + std::to_string(limits.max_segments) +
           " segments; partial APDU dropped";
  }
  return "reassembled APDU exceeds the limit of " + std::to_string(limits.max_apdu) +
         " bytes; partial APDU dropped";
}

// The reports of the rare cases are built out of line (the frame path stays small).
void Framer::mbus_out_of_order(unsigned sequence) {
  drop(mbus, ErrorCode::decode,
       "M-Bus DLMS segment " + std::to_string(sequence) + " arrived where segment " +
           std::to_string(mbus.next) + " was expected; partial APDU dropped");
}
void Framer::mbus_without_first(unsigned sequence, std::size_t at, std::size_t size) {
  report(ErrorCode::decode, at, size,
         "M-Bus DLMS segment " + std::to_string(sequence) +
             " without segment 0 (the start of its APDU was missed); frame dropped");
}
void Framer::report_frame_dropped(std::size_t at, std::size_t size, const char* message) {
  report(ErrorCode::decode, at, size, message);
}
void Framer::report_over_limits(std::size_t at, std::size_t size) {
  report(ErrorCode::length, at, size, over_limits(1));
}

// The stream ended with reassemblies open: each is an `incomplete` error.
void Framer::report_incomplete() {
  for (Reassembly* ra : {&mbus, &hdlc, &gbt}) {
    if (!ra->active) continue;
    const Unit& u = ra->unit;
    const std::string what = ra == &mbus   ? "M-Bus DLMS APDU incomplete: the stream ended "
                                             "before its last segment"
                             : ra == &hdlc ? "HDLC segmented APDU incomplete: the stream ended "
                                             "before its last segment"
                                           : "General-Block-Transfer incomplete: the stream "
                                             "ended before its last block";
    report(ErrorCode::incomplete, u.stream_offset, u.stream_end - u.stream_offset,
           what + " (" + std::to_string(u.frames) + " frame(s), " + std::to_string(u.bytes.size()) +
               " bytes so far)");
  }
}

}  // namespace sm::frame::detail
