// StreamFramer: the streaming state machine over the link-layer probes (link_frames.h).
//
// At the current stream position the first byte picks the candidate kinds (68 M-Bus,
// 7E HDLC, 00 wrapper, DB/DF ciphered APDU, 0F data-notification; an HDLC format byte
// right after an HDLC frame whose closing flag doubles as the next opening flag). The
// probe then says: wait, not a frame, a recognised frame that failed a check, or a frame.
// Bytes that start no frame are skipped one at a time in a loop; a contiguous run of them
// is reported as one FrameError when the run ends.
//
// Strong and weak candidates. M-Bus and HDLC frames carry checksums, so a frame that
// verifies is one. The wrapper and bare APDUs carry nothing but their own length, so
// random bytes can look like their header and claim up to 64 KiB. Two rules keep such a
// weak candidate from swallowing real frames:
//  - a weak candidate is garbage when a verified M-Bus or HDLC header lies inside the
//    bytes it claims (checked while it waits, and again when it is complete);
//  - after an M-Bus/HDLC checksum failure the framer resyncs byte-wise (a truncated frame
//    must not take the next frame's start with it), but looks only for checksummed frames
//    inside the bytes the bad frame claimed: its payload must not come out as a bare APDU.
//
// Every decision depends only on the bytes of the stream, never on chunk boundaries:
// byte-at-a-time and all-at-once give the same events (tested).
#include "frame/stream_framer.h"

#include <algorithm>
#include <limits>
#include <string>

#include "dlms/apdu_tags.h"
#include "frame/link_frames.h"

namespace sm::frame {
namespace {

using link::Verdict;

constexpr std::uint8_t kHdlcFlag = 0x7E;
constexpr std::uint8_t kGeneralBlockTransfer = 0xE0;
constexpr std::size_t kNowhere = std::numeric_limits<std::size_t>::max();

// Where a run of a unit's bytes sat in the stream: one per segment / frame.
struct Piece {
  std::size_t unit_offset;
  std::size_t stream_offset;
  std::size_t length;
};

struct Unit;

// A complete link-layer APDU as complete_unit() takes it: its bytes (still in the stream
// window when one frame carried all of it, else in a reassembly buffer) and where they
// came from.
struct UnitView {
  LinkType link{LinkType::raw};
  std::span<const std::uint8_t> bytes;
  std::span<const Piece> pieces;
  std::size_t stream_offset{0};
  std::size_t stream_end{0};
  std::size_t frames{0};
  Annotations* notes{nullptr};  // never null; moved out when the APDU is emitted
  Unit* owner{nullptr};         // the reassembly whose buffer holds `bytes`, if any
};

// Annotates unit bytes [from, from + length) at their stream offsets (a field that
// straddles two segments gets one annotation per piece).
void annotate_range(const UnitView& u, std::size_t from, std::size_t length, std::string_view layer,
                    const std::string& meaning) {
  for (const Piece& p : u.pieces) {
    const std::size_t lo = std::max(from, p.unit_offset);
    const std::size_t hi = std::min(from + length, p.unit_offset + p.length);
    if (lo < hi) {
      annotate(u.notes, "stream", p.stream_offset + (lo - p.unit_offset), hi - lo, layer, meaning);
    }
  }
}

// One link-layer APDU being put together from M-Bus segments, HDLC segments or GBT blocks.
struct Unit {
  LinkType link{LinkType::raw};
  std::vector<std::uint8_t> bytes;
  std::vector<Piece> pieces;  // kept only when annotating (nothing else reads them)
  std::size_t stream_offset{0};
  std::size_t stream_end{0};
  std::size_t frames{0};
  Annotations notes;
  std::size_t size_hint{0};  // the size of the last APDU whose buffer went to its Apdu

  void append(std::span<const std::uint8_t> data, std::size_t at, bool keep_piece) {
    if (data.empty()) return;
    if (keep_piece) pieces.push_back({bytes.size(), at, data.size()});
    bytes.insert(bytes.end(), data.begin(), data.end());
  }

  // Empty again; the vectors keep their capacity for the next unit.
  void clear() noexcept {
    link = LinkType::raw;
    bytes.clear();
    pieces.clear();
    stream_offset = 0;
    stream_end = 0;
    frames = 0;
    notes.clear();
  }

  [[nodiscard]] UnitView view() {
    return {link, bytes, pieces, stream_offset, stream_end, frames, &notes, this};
  }
};

struct Reassembly {
  bool active{false};
  Unit unit;
  unsigned next{0};                     // next M-Bus sequence number / GBT block number
  std::vector<std::uint8_t> addresses;  // HDLC: address pair of the first segment

  // Back to idle. The buffers are kept (cleared): a meter sends the same kind of frames
  // over and over, so after the first APDU reassembly allocates nothing.
  void reset() noexcept {
    active = false;
    unit.clear();
    next = 0;
    addresses.clear();
  }
};

// A contiguous run of skipped bytes, reported once when it ends.
struct SkipRun {
  bool active{false};
  std::size_t start{0};
  std::size_t length{0};
  ErrorCode code{ErrorCode::decode};
  std::string reason;  // the failed check that started the run; empty for plain garbage
};

enum class Candidate {
  none,
  idle_flag,
  mbus,
  hdlc,
  hdlc_shared_flag,
  wrapper,
  ciphered,
  notification,
  llc  // a ciphered APDU or data-notification behind an LLC header
};

bool is_weak(Candidate c) {
  return c == Candidate::wrapper || c == Candidate::ciphered || c == Candidate::notification ||
         c == Candidate::llc;
}

std::string_view candidate_name(Candidate c) {
  switch (c) {
    case Candidate::mbus:
      return "M-Bus long frame";
    case Candidate::hdlc:
    case Candidate::hdlc_shared_flag:
      return "HDLC frame";
    case Candidate::wrapper:
      return "DLMS wrapper";
    case Candidate::ciphered:
      return "ciphered APDU";
    case Candidate::notification:
      return "data-notification APDU";
    case Candidate::llc:
      return "APDU behind an LLC header";
    case Candidate::none:
    case Candidate::idle_flag:
      break;
  }
  return "frame";
}

// What a successful probe parsed (notes: only when annotating).
struct Parsed {
  link::MbusFrame mbus;
  link::HdlcFrame hdlc;
  link::BareApdu bare;
  Annotations notes;
};

}  // namespace

struct StreamFramer::Impl {
  Impl(FramerLimits l, Annotate a) : limits(l), annotating(a == Annotate::yes) {
    limits.max_buffer = std::max<std::size_t>(limits.max_buffer, 1);
    limits.max_garbage_run = std::max<std::size_t>(limits.max_garbage_run, 1);
  }

  FramerLimits limits;
  bool annotating;  // build Apdu::notes (every annotation below is behind this flag)
  // The bytes being framed: the pushed bytes themselves while nothing is held, else
  // `buffer`. Bytes not yet consumed start at `head`; window[0] is at `window_offset`.
  std::span<const std::uint8_t> window;
  std::size_t head{0};
  std::size_t window_offset{0};
  std::vector<std::uint8_t> buffer;  // bytes held between pushes (a frame waiting for the rest)
  std::size_t bytes_seen{0};
  SkipRun run;
  Reassembly mbus;
  Reassembly hdlc;
  Reassembly gbt;
  std::vector<std::uint8_t> spare;            // a spent APDU buffer (recycle()) for the next APDU
  Parsed parsed;                              // what the last probe parsed
  std::size_t hdlc_shared_flag_at{kNowhere};  // an HDLC frame may start here without a flag
  std::size_t no_weak_before{0};              // inside a frame that failed its checksum
  std::size_t strong_scan_from{0};            // positions before this start no M-Bus/HDLC frame
  std::vector<FrameEvent> events;

  // ---- input ---------------------------------------------------------------------------
  void push(std::span<const std::uint8_t> input) {
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
  void keep_rest(bool direct) {
    if (direct) {
      buffer.assign(window.begin() + static_cast<std::ptrdiff_t>(head), window.end());
    } else {
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(head));
    }
    window_offset += head;
    head = 0;
    window = buffer;
  }

  void finish() {
    window = buffer;
    process(true);
    flush_run();
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
             what + " (" + std::to_string(u.frames) + " frame(s), " +
                 std::to_string(u.bytes.size()) + " bytes so far)");
    }
    std::stable_sort(events.begin(), events.end(), [](const FrameEvent& a, const FrameEvent& b) {
      return offset_of(a) < offset_of(b);
    });
    clear();
  }

  void clear() {
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

  static std::size_t offset_of(const FrameEvent& e) {
    if (const auto* a = std::get_if<Apdu>(&e)) return a->stream_offset;
    return std::get<FrameError>(e).stream_offset;
  }

  // ---- the loop ------------------------------------------------------------------------
  [[gnu::hot]] void process(bool stream_ended) {
    while (head < window.size()) {
      const std::size_t at = window_offset + head;
      const auto view = window.subspan(head);
      Candidate c = classify(view, at, stream_ended);
      if (c == Candidate::idle_flag) {
        skip_idle_flag(at);
        continue;
      }
      if (is_weak(c) && at < no_weak_before) c = Candidate::none;
      parsed.notes.clear();
      const link::Probe p = probe(c, view, at, stream_ended, &parsed);
      switch (p.verdict) {
        case Verdict::need_more:
          if (is_weak(c) && strong_header_inside(at, window_offset + window.size())) {
            skip_garbage(at);
            continue;
          }
          if (stream_ended) {
            report_truncated(c, at, view.size(), p.size);
            head = window.size();
            return;
          }
          if (view.size() >= limits.max_buffer) {  // defensive: probes enforce their limits
            skip_over_limit(c, at);
            continue;
          }
          return;  // wait for more bytes
        case Verdict::no_frame:
          skip_garbage(at);
          continue;
        case Verdict::corrupt:
          // Same rule as for waiting and complete weak candidates, over the bytes the
          // verdict needed: whatever the chunking, a header inside makes it plain garbage.
          if (is_weak(c) && strong_header_inside(at, at + p.size)) {
            skip_garbage(at);
            continue;
          }
          skip_corrupt(p, at);
          continue;
        case Verdict::unusable:
          skip_unusable(p, at);
          continue;
        case Verdict::frame:
          if (is_weak(c) && strong_header_inside(at, at + p.size)) {
            skip_garbage(at);
            continue;
          }
          flush_run();
          head += p.size;
          // A verified frame ends any claim of an earlier corrupt frame on these bytes.
          no_weak_before = 0;
          deliver(c, parsed, at, p.size);
          continue;
      }
    }
  }

  [[nodiscard]] Candidate classify(std::span<const std::uint8_t> view, std::size_t at,
                                   bool stream_ended) const {
    const auto first = link::byte_at(view, 0);
    if (!first) return Candidate::none;
    switch (*first) {
      case kHdlcFlag: {
        // Flags between frames (or a lone flag at the very end) are fill, not garbage.
        const auto second = link::byte_at(view, 1);
        if (second ? *second == kHdlcFlag : stream_ended) return Candidate::idle_flag;
        return Candidate::hdlc;
      }
      case 0x68:
        return Candidate::mbus;
      case 0x00:
        return Candidate::wrapper;
      case dlms::apdu_tag::general_glo_ciphering:
      case dlms::apdu_tag::general_ded_ciphering:
      case dlms::apdu_tag::general_ciphering:
      case dlms::apdu_tag::general_signing:
        return Candidate::ciphered;
      case dlms::apdu_tag::data_notification:
        return Candidate::notification;
      case link::kLlcDsap:
        return Candidate::llc;
      default:
        if (at == hdlc_shared_flag_at && (*first & 0xF0u) == 0xA0u)
          return Candidate::hdlc_shared_flag;
        return Candidate::none;
    }
  }

  link::Probe probe(Candidate c, std::span<const std::uint8_t> view, std::size_t at,
                    bool stream_ended, Parsed* out) const {
    Annotations* notes = annotating ? &out->notes : nullptr;
    switch (c) {
      case Candidate::mbus:
        return link::probe_mbus(view, at, limits, &out->mbus, notes);
      case Candidate::hdlc:
        return link::probe_hdlc(view, at, false, stream_ended, limits, &out->hdlc, notes);
      case Candidate::hdlc_shared_flag:
        return link::probe_hdlc(view, at, true, stream_ended, limits, &out->hdlc, notes);
      case Candidate::wrapper:
        return link::probe_wrapper(view, at, limits, &out->bare, notes);
      case Candidate::ciphered:
        return link::probe_ciphered_apdu(view, at, limits, &out->bare, notes);
      case Candidate::notification:
        return link::probe_data_notification(view, at, limits, &out->bare, notes);
      case Candidate::llc:
        return link::probe_llc_apdu(view, at, limits, &out->bare, notes);
      case Candidate::none:
      case Candidate::idle_flag:
        break;
    }
    return link::no_frame();
  }

  // True when an M-Bus or HDLC header, verified as far as a header can be (M-Bus 68 L L 68
  // with a DLMS CI, HDLC with a correct HCS), lies inside [at + 1, end): a weak candidate
  // at `at` claiming those bytes would swallow the start of a real frame, so it is garbage
  // that happens to look like a header. Positions found to start no header are remembered
  // (strong_scan_from), so waiting on a long weak candidate costs each byte one look.
  bool strong_header_inside(std::size_t at, std::size_t end) {
    strong_scan_from = std::max(strong_scan_from, at + 1);
    bool settled = true;  // every position before q is known to start no header
    for (std::size_t q = strong_scan_from; q < end; ++q) {
      const auto view = window.subspan(q - window_offset, end - q);
      const auto first = link::byte_at(view, 0);
      link::Probe p;
      if (first == 0x68) {
        p = link::probe_mbus(view, q, limits, nullptr, nullptr, link::ProbeMode::header);
      } else if (first == kHdlcFlag) {
        p = link::probe_hdlc(view, q, false, false, limits, nullptr, nullptr,
                             link::ProbeMode::header);
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

  // ---- skipped bytes -------------------------------------------------------------------
  [[gnu::cold, gnu::noinline]] void skip_over_limit(Candidate c, std::size_t at) {
    skip_corrupt(link::corrupt(ErrorCode::length, at, 1, link::Confidence::doubtful,
                               std::string(candidate_name(c)) + " does not fit the buffer limit"),
                 at);
  }

  // A verified frame whose content is of no use: reported, and its bytes are consumed.
  [[gnu::cold, gnu::noinline]] void skip_unusable(const link::Probe& p, std::size_t at) {
    flush_run();
    no_weak_before = 0;
    report(p.error->code, at, p.size, p.error->message);
    head += p.size;
  }

  void skip_garbage(std::size_t at) {
    if (run.active && run.start + run.length != at) flush_run();
    if (!run.active) begin_run(at, ErrorCode::decode, {});
    extend_run();
    ++head;
  }

  void skip_idle_flag(std::size_t at) {
    if (run.active && run.start + run.length == at) extend_run();
    ++head;
  }

  // A recognised frame failed a check: resync byte-wise. A certain failure is reported on
  // its own; a doubtful one next to garbage is more of the same garbage. When the header
  // proved a frame, the bytes it claimed are that frame's: no weak candidate inside.
  void skip_corrupt(const link::Probe& p, std::size_t at) {
    const bool joins_run =
        run.active && run.start + run.length == at && p.confidence != link::Confidence::certain;
    if (!joins_run) begin_run(at, p.error->code, p.error->message);
    extend_run();
    if (p.confidence != link::Confidence::doubtful) {
      no_weak_before = std::max(no_weak_before, at + p.size);
    }
    ++head;
  }

  [[gnu::cold, gnu::noinline]] void begin_run(std::size_t at, ErrorCode code, std::string reason) {
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

  void extend_run() {
    ++run.length;
    if (run.length >= limits.max_garbage_run) flush_run();
  }

  void flush_run() {
    if (run.active) report_run();
  }

  [[gnu::cold, gnu::noinline]] void report_run() {
    const std::string count = std::to_string(run.length);
    report(run.code, run.start, run.length,
           run.reason.empty()
               ? "skipped " + count + " byte(s) that start no M-Bus, HDLC, wrapper or APDU frame"
               : run.reason + "; skipped " + count + " byte(s) to resynchronise");
    run = {};
  }

  [[gnu::cold, gnu::noinline]] void report_truncated(Candidate c, std::size_t at,
                                                     std::size_t available, std::size_t total) {
    flush_run();
    report(ErrorCode::incomplete, at, available,
           std::string(candidate_name(c)) + " incomplete: the stream ended after " +
               std::to_string(available) +
               (total > available ? " of " + std::to_string(total) : std::string()) + " bytes");
  }

  void report(ErrorCode code, std::size_t at, std::size_t skipped, std::string message) {
    events.emplace_back(FrameError{Error{code, Layer::frame, at, std::move(message)}, at, skipped});
  }

  // ---- frames --------------------------------------------------------------------------
  void deliver(Candidate c, Parsed& p, std::size_t at, std::size_t size) {
    switch (c) {
      case Candidate::mbus:
        on_mbus_segment(p.mbus, p.notes, at, size);
        return;
      case Candidate::hdlc:
      case Candidate::hdlc_shared_flag:
        hdlc_shared_flag_at = at + size;
        on_hdlc_frame(p.hdlc, p.notes, at, size);
        return;
      case Candidate::wrapper:
        complete_frame(LinkType::wrapper, p.bare.apdu, at + p.bare.apdu_offset, at, size, p.notes);
        return;
      case Candidate::ciphered:
      case Candidate::notification:
      case Candidate::llc:
        complete_frame(LinkType::raw, p.bare.apdu, at + p.bare.apdu_offset, at, size, p.notes);
        return;
      case Candidate::none:
      case Candidate::idle_flag:
        return;
    }
  }

  void start(Reassembly& ra, LinkType link, std::size_t at) {
    ra.reset();
    ra.active = true;
    ra.unit.link = link;
    ra.unit.stream_offset = at;
    // A meter sends APDUs of much the same size: room for the last one's (its buffer
    // went to its Apdu), so that the segments are appended without reallocation. A
    // recycled buffer has it already.
    if (ra.unit.bytes.capacity() < ra.unit.size_hint) take_spare(ra.unit.bytes);
    ra.unit.bytes.reserve(ra.unit.size_hint);
  }

  [[gnu::cold, gnu::noinline]] void drop(Reassembly& ra, ErrorCode code,
                                         const std::string& message) {
    const Unit& u = ra.unit;
    report(code, u.stream_offset, u.stream_end - u.stream_offset, message);
    ra.reset();
  }

  // Whether an APDU of `frames` frames and `bytes` bytes is taken; if not, why.
  [[nodiscard]] bool within_limits(std::size_t frames, std::size_t bytes) const {
    return frames <= limits.max_segments && bytes <= limits.max_apdu;
  }
  [[gnu::cold, gnu::noinline]] std::string over_limits(std::size_t frames) const {
    if (frames > limits.max_segments) {
      return "APDU split over more than " + std::to_string(limits.max_segments) +
             " segments; partial APDU dropped";
    }
    return "reassembled APDU exceeds the limit of " + std::to_string(limits.max_apdu) +
           " bytes; partial APDU dropped";
  }

  // Adds one frame's payload to a reassembly; drops the reassembly when a limit is hit.
  bool add_frame(Reassembly& ra, std::span<const std::uint8_t> payload, std::size_t payload_at,
                 std::size_t frame_at, std::size_t frame_size, Annotations& notes) {
    Unit& u = ra.unit;
    u.stream_end = frame_at + frame_size;
    if (!within_limits(u.frames + 1, u.bytes.size() + payload.size())) {
      drop(ra, ErrorCode::length, over_limits(u.frames + 1));
      return false;
    }
    u.append(payload, payload_at, annotating);
    ++u.frames;
    if (!notes.empty()) {
      u.notes.insert(u.notes.end(), std::make_move_iterator(notes.begin()),
                     std::make_move_iterator(notes.end()));
    }
    return true;
  }

  // One frame carried a whole link-layer APDU: it is completed from the frame's bytes in
  // the window, without a reassembly buffer.
  void complete_frame(LinkType link, std::span<const std::uint8_t> payload, std::size_t payload_at,
                      std::size_t at, std::size_t size, Annotations& notes) {
    const Piece piece{0, payload_at, payload.size()};
    complete_unit({link, payload, payload.empty() ? std::span<const Piece>() : std::span(&piece, 1),
                   at, at + size, 1, &notes});
  }

  // The same for an M-Bus or HDLC frame, which keeps the limits of a reassembly (a bare
  // APDU's probe has checked its length).
  void complete_link_frame(LinkType link, std::span<const std::uint8_t> payload,
                           std::size_t payload_at, std::size_t at, std::size_t size,
                           Annotations& notes) {
    if (!within_limits(1, payload.size())) {
      report_over_limits(at, size);
      return;
    }
    complete_frame(link, payload, payload_at, at, size, notes);
  }

  // The reports of the rare cases are built out of line (the frame path stays small).
  [[gnu::cold, gnu::noinline]] void mbus_out_of_order(unsigned sequence) {
    drop(mbus, ErrorCode::decode,
         "M-Bus DLMS segment " + std::to_string(sequence) + " arrived where segment " +
             std::to_string(mbus.next) + " was expected; partial APDU dropped");
  }
  [[gnu::cold, gnu::noinline]] void mbus_without_first(unsigned sequence, std::size_t at,
                                                       std::size_t size) {
    report(ErrorCode::decode, at, size,
           "M-Bus DLMS segment " + std::to_string(sequence) +
               " without segment 0 (the start of its APDU was missed); frame dropped");
  }
  [[gnu::cold, gnu::noinline]] void report_frame_dropped(std::size_t at, std::size_t size,
                                                         const char* message) {
    report(ErrorCode::decode, at, size, message);
  }
  [[gnu::cold, gnu::noinline]] void report_over_limits(std::size_t at, std::size_t size) {
    report(ErrorCode::length, at, size, over_limits(1));
  }

  // DLMS over M-Bus: CI low nibble = sequence number, 0x10 = last segment. The first
  // segment carries sequence number 0 (CI 0x00, or 0x10 for a single-segment APDU).
  [[gnu::hot]] void on_mbus_segment(link::MbusFrame& f, Annotations& notes, std::size_t at,
                                    std::size_t size) {
    const unsigned sequence = f.ci & 0x0Fu;
    const bool last = (f.ci & 0x10u) != 0;
    if (mbus.active && sequence != mbus.next) mbus_out_of_order(sequence);
    if (!mbus.active) {
      if (sequence != 0) {
        mbus_without_first(sequence, at, size);
        return;
      }
      if (last) {
        complete_link_frame(LinkType::mbus, f.payload, at + f.payload_offset, at, size, notes);
        return;
      }
      start(mbus, LinkType::mbus, at);
    }
    if (!add_frame(mbus, f.payload, at + f.payload_offset, at, size, notes)) return;
    if (last) {
      complete_unit(mbus.unit.view());
      mbus.reset();
    } else {
      mbus.next = (sequence + 1) & 0x0Fu;
    }
  }

  // HDLC: the information field of the first segment starts with the LLC header
  // (IEC 62056-46 LLC sub-layer: E6 E7 00 response, E6 E6 00 command);
  // further segments (segmentation bit) continue the APDU without it. L+G E450 sends the
  // General-Block-Transfer blocks after the first without LLC, so an E0 block is accepted
  // without one.
  [[gnu::hot]] void on_hdlc_frame(link::HdlcFrame& f, Annotations& notes, std::size_t at,
                                  std::size_t size) {
    if (hdlc.active && !std::ranges::equal(hdlc.addresses, f.addresses)) {
      drop(hdlc, ErrorCode::decode,
           "HDLC segment from a different address pair; partial APDU dropped");
    }
    auto payload = f.info;
    std::size_t payload_at = at + f.info_offset;
    if (!hdlc.active) {
      if (payload.empty()) return;  // a frame without information field carries no APDU
      if (link::starts_with_llc(payload)) {
        if (annotating) link::annotate_llc(notes, payload_at, payload[1]);
        payload = payload.subspan(link::kLlcHeaderSize);
        payload_at += link::kLlcHeaderSize;
      } else if (payload.front() != kGeneralBlockTransfer) {
        report_frame_dropped(
            at, size,
            "HDLC information field does not start with the LLC header E6 E7 00 (a "
            "continuation segment whose first segment was missed?); frame dropped");
        return;
      }
      if (!f.segmented) {
        complete_link_frame(LinkType::hdlc, payload, payload_at, at, size, notes);
        return;
      }
      start(hdlc, LinkType::hdlc, at);
      hdlc.addresses.assign(f.addresses.begin(), f.addresses.end());
    }
    if (!add_frame(hdlc, payload, payload_at, at, size, notes)) return;
    if (!f.segmented) {
      complete_unit(hdlc.unit.view());
      hdlc.reset();
    }
  }

  // A link-layer APDU is complete: either a General-Block-Transfer block, or the APDU.
  // The caller clears the unit behind `u` afterwards (its annotations may have been moved
  // out).
  [[gnu::hot]] void complete_unit(const UnitView& u) {
    if (!u.bytes.empty() && u.bytes.front() == kGeneralBlockTransfer) {
      on_gbt_block(u);
      return;
    }
    if (annotating && u.link != LinkType::raw) annotate_apdu(u);
    emit(u);
  }

  // Bare APDUs were annotated by their probe, link-layer ones get their APDU bytes here.
  [[gnu::cold, gnu::noinline]] static void annotate_apdu(const UnitView& u) {
    {
      const std::string total = std::to_string(u.bytes.size());
      const bool split = u.pieces.size() > 1;
      for (const Piece& p : u.pieces) {
        annotate(u.notes, "stream", p.stream_offset, p.length, to_string(u.link),
                 split ? "APDU bytes " + std::to_string(p.unit_offset) + ".." +
                             std::to_string(p.unit_offset + p.length - 1) + " of " + total
                       : "APDU (" + total + " bytes)");
      }
    }
  }

  void on_gbt_block(const UnitView& u) {
    const auto block = link::parse_gbt_block(u.bytes, u.stream_offset);
    if (!block) {
      gbt_unparsed(u, block.error());
      return;
    }
    if (annotating) annotate_gbt_block(u, *block);

    if (gbt.active && block->number != gbt.next) gbt_out_of_order(block->number);
    if (!gbt.active) {
      if (block->number != 1) {
        gbt_without_first(u, block->number);
        return;
      }
      start(gbt, u.link, u.stream_offset);
    }
    Unit& g = gbt.unit;
    g.stream_end = u.stream_end;
    if (block->number > limits.max_segments ||
        g.bytes.size() + block->data.size() > limits.max_apdu) {
      gbt_over_limits(block->number);
      return;
    }
    g.bytes.insert(g.bytes.end(), block->data.begin(), block->data.end());
    g.frames += u.frames;
    if (!u.notes->empty()) {
      g.notes.insert(g.notes.end(), std::make_move_iterator(u.notes->begin()),
                     std::make_move_iterator(u.notes->end()));
    }
    if (block->last) {
      emit(g.view());
      gbt.reset();
    } else {
      gbt.next = block->number + 1u;
    }
  }

  [[gnu::cold, gnu::noinline]] void gbt_unparsed(const UnitView& u, const Error& error) {
    report(error.code, u.stream_offset, u.stream_end - u.stream_offset,
           error.message + "; block dropped");
  }
  [[gnu::cold, gnu::noinline]] void gbt_out_of_order(unsigned number) {
    drop(gbt, ErrorCode::decode,
         "General-Block-Transfer block " + std::to_string(number) + " arrived where block " +
             std::to_string(gbt.next) + " was expected; partial APDU dropped");
  }
  [[gnu::cold, gnu::noinline]] void gbt_without_first(const UnitView& u, unsigned number) {
    report(ErrorCode::decode, u.stream_offset, u.stream_end - u.stream_offset,
           "General-Block-Transfer block " + std::to_string(number) +
               " without block 1; block dropped");
  }
  [[gnu::cold, gnu::noinline]] void gbt_over_limits(unsigned number) {
    if (number > limits.max_segments) {
      drop(gbt, ErrorCode::length,
           "General-Block-Transfer of more than " + std::to_string(limits.max_segments) +
               " blocks; partial APDU dropped");
      return;
    }
    drop(gbt, ErrorCode::length,
         "General-Block-Transfer APDU exceeds the limit of " + std::to_string(limits.max_apdu) +
             " bytes; partial APDU dropped");
  }

  [[gnu::cold, gnu::noinline]] void annotate_gbt_block(const UnitView& u,
                                                       const link::GbtBlock& block) const {
    const std::size_t assembled = gbt.active ? gbt.unit.bytes.size() : 0;
    annotate_range(u, 0, 1, "gbt", "general-block-transfer 0xE0");
    annotate_range(
        u, 1, 1, "gbt",
        "block-control: " + std::string(block.last ? "last block" : "more blocks follow") +
            (block.streaming ? ", streaming" : "") + ", window " + std::to_string(block.window));
    annotate_range(u, 2, 2, "gbt", "block-number " + std::to_string(block.number));
    annotate_range(u, 4, 2, "gbt", "block-number-ack " + std::to_string(block.acknowledged));
    annotate_range(u, 6, block.length_field_size, "gbt",
                   "block-data length " + std::to_string(block.data.size()));
    if (!block.data.empty()) {
      annotate_range(u, block.data_offset, block.data.size(), "gbt",
                     "block data: APDU bytes " + std::to_string(assembled) + ".." +
                         std::to_string(assembled + block.data.size() - 1));
    }
  }

  // `bytes` (empty) takes the spare buffer when that is larger.
  void take_spare(std::vector<std::uint8_t>& bytes) noexcept {
    if (spare.capacity() > bytes.capacity()) {
      bytes.swap(spare);
      bytes.clear();
    }
  }

  // The APDU is made in place in the events. A reassembled APDU takes its reassembly's
  // buffer (no copy); one that a single frame carried is copied into the spare buffer
  // (else one exact allocation). The unit's annotations are moved out.
  [[gnu::hot]] void emit(const UnitView& u) {
    if (u.bytes.empty()) {
      report(ErrorCode::decode, u.stream_offset, u.stream_end - u.stream_offset,
             std::string(to_string(u.link)) + " frame(s) carry no APDU bytes");
      return;
    }
    auto& a = std::get<Apdu>(events.emplace_back(std::in_place_type<Apdu>));
    a.link = u.link;
    if (u.owner != nullptr) {
      a.bytes = std::move(u.owner->bytes);
      u.owner->size_hint = a.bytes.size();
    } else {
      take_spare(a.bytes);
      a.bytes.assign(u.bytes.begin(), u.bytes.end());
    }
    a.stream_offset = u.stream_offset;
    a.stream_length = u.stream_end - u.stream_offset;
    a.link_frames = u.frames;
    if (!u.notes->empty()) {
      a.notes = std::move(*u.notes);
      std::stable_sort(
          a.notes.begin(), a.notes.end(),
          [](const Annotation& x, const Annotation& y) { return x.offset < y.offset; });
    }
  }
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
