// The resync policy (the rule and its reason: stream_framer.cpp's opening): weak
// candidates give way to verified M-Bus/HDLC headers inside the bytes they claim; skipped
// bytes are reported as one FrameError per contiguous run; failed checks, truncation and
// unusable frames are reported here. The per-byte steps are inline in resync.h.
#include "frame/resync.h"

#include <algorithm>
#include <string>

#include "frame/framer_state.h"
#include "frame/framings.h"

namespace sm::frame::detail {

using link::Verdict;

// True when a header of a strong framing (M-Bus, HDLC), verified as far as a header can be
// (M-Bus 68 L L 68 with a DLMS CI, HDLC with a correct HCS), lies inside [at + 1, end): a
// weak candidate at `at` claiming those bytes would swallow the start of a real frame, so
// it is garbage that happens to look like a header. Positions found to start no header are
// remembered (strong_scan_from), so waiting on a long weak candidate costs each byte one
// look.
bool Framer::strong_header_inside(std::size_t at, std::size_t end) {
  strong_scan_from = std::max(strong_scan_from, at + 1);
  bool settled = true;  // every position before q is known to start no header
  for (std::size_t q = strong_scan_from; q < end; ++q) {
    const auto view = window.subspan(q - window_offset, end - q);
    const auto first = link::byte_at(view, 0);
    const std::uint8_t k = first ? kFramingByStartByte[*first] : kNoFraming;
    link::Probe p;
    if (k != kNoFraming && kFramings[k].probe_header != nullptr) {
      p = kFramings[k].probe_header(view, q, limits);
    }
    if (p.verdict == Verdict::need_more && p.header_verified) {
      if (settled) strong_scan_from = q;
      return true;
    }
    if (p.verdict == Verdict::need_more) {
      settled = false;
    } else if (settled) {
      strong_scan_from = q + 1;
    }
  }
  return false;
}

// ---- skipped bytes -----------------------------------------------------------------------
void Framer::skip_over_limit(const Framing& framing, std::size_t at) {
  skip_corrupt(link::corrupt(ErrorCode::length, at, 1, link::Confidence::doubtful,
                             std::string(framing.name) + " does not fit the buffer limit"),
               at);
}

// A verified frame whose content is of no use: reported, and its bytes are consumed.
void Framer::skip_unusable(const link::Probe& p, std::size_t at) {
  flush_run();
  no_weak_before = 0;
  report(p.error->code, at, p.size, p.error->message);
  head += p.size;
}

void Framer::begin_run(std::size_t at, ErrorCode code, std::string reason) {
  flush_run();
  // HDLC segments carry no sequence number: once bytes between them are lost, a
  // segment may be missing, and joining the rest would make a wrong APDU.
  if (hdlc.active) {
    drop(hdlc, ErrorCode::decode,
         "HDLC segmented APDU interrupted by unframed bytes at offset " + std::to_string(at) +
             " (a segment may be lost); partial APDU dropped");
  }
  run = SkipRun{true, at, 0, code, std::move(reason)};
}

void Framer::report_run() {
  const std::string count = std::to_string(run.length);
  report(run.code, run.start, run.length,
         run.reason.empty() ? "skipped " + count +
                                  " byte(s) that start no M-Bus, HDLC, wrapper, APDU or DSMR frame"
                            : run.reason + "; skipped " + count + " byte(s) to resynchronise");
  run = {};
}

void Framer::report_truncated(const Framing& framing, std::size_t at, std::size_t available,
                              std::size_t total) {
  flush_run();
  report(ErrorCode::incomplete, at, available,
         std::string(framing.name) + " incomplete: the stream ended after " +
             std::to_string(available) +
             (total > available ? " of " + std::to_string(total) : std::string()) + " bytes");
}

}  // namespace sm::frame::detail
