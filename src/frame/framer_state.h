// The state StreamFramer's parts share (internal to sm_frame). StreamFramer::Impl is a
// Framer; its members are defined by concern, one file each:
//   stream_framer.cpp   the window, the process() loop, classification, the public API
//   framings.h          the framings the loop knows, one line each (probe, what a frame
//                       delivers); a new framing is its probe's file plus a line there
//   resync.h, .cpp      skipping bytes: runs of garbage, failed checks, the strong/weak rule
//   reassembly.h, .cpp  M-Bus and HDLC segments, single-frame APDUs, APDUs out (buffer reuse)
//   gbt_reassembly.cpp  General-Block-Transfer blocks
//   explain.cpp         link-layer annotations for `decode --format explain`
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "frame/link_frames.h"
#include "frame/stream_framer.h"

namespace sm::frame::detail {

inline constexpr std::uint8_t kHdlcFlag = 0x7E;
inline constexpr std::uint8_t kGeneralBlockTransfer = 0xE0;
inline constexpr std::size_t kNowhere = std::numeric_limits<std::size_t>::max();

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

// What a successful probe parsed (notes: only when annotating).
struct Parsed {
  link::MbusFrame mbus;
  link::HdlcFrame hdlc;
  link::BareApdu bare;
  Annotations notes;
};

struct Framing;  // framings.h

struct Framer {
  Framer(FramerLimits l, Annotate a) : limits(l), annotating(a == Annotate::yes) {
    limits.max_buffer = std::max<std::size_t>(limits.max_buffer, 1);
    limits.max_garbage_run = std::max<std::size_t>(limits.max_garbage_run, 1);
  }

  FramerLimits limits;
  bool annotating;  // build Apdu::notes (every annotation is behind this flag)
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

  [[nodiscard]] Annotations* notes() { return annotating ? &parsed.notes : nullptr; }

  // ---- window and loop (stream_framer.cpp) ---------------------------------------------
  inline void push(std::span<const std::uint8_t> input);
  inline void keep_rest(bool direct);
  void finish();
  void clear();
  [[gnu::hot]] void process(bool stream_ended);
  [[nodiscard]] std::uint8_t classify(std::uint8_t first, std::size_t at) const;

  // ---- resync (resync.h: the per-byte steps, inline; resync.cpp) ------------------------
  bool strong_header_inside(std::size_t at, std::size_t end);
  [[gnu::cold, gnu::noinline]] void skip_over_limit(const Framing& framing, std::size_t at);
  [[gnu::cold, gnu::noinline]] void skip_unusable(const link::Probe& p, std::size_t at);
  inline void skip_garbage(std::size_t at);
  inline void skip_idle_flag(std::size_t at);
  inline void skip_corrupt(const link::Probe& p, std::size_t at);
  [[gnu::cold, gnu::noinline]] void begin_run(std::size_t at, ErrorCode code, std::string reason);
  inline void extend_run();
  inline void flush_run();
  [[gnu::cold, gnu::noinline]] void report_run();
  [[gnu::cold, gnu::noinline]] void report_truncated(const Framing& framing, std::size_t at,
                                                     std::size_t available, std::size_t total);
  void report(ErrorCode code, std::size_t at, std::size_t skipped, std::string message) {
    events.emplace_back(FrameError{Error{code, Layer::frame, at, std::move(message)}, at, skipped});
  }

  // ---- reassembly, APDUs out (reassembly.h: the frame path, inline; reassembly.cpp) -----
  [[gnu::hot]] inline void on_mbus_segment(link::MbusFrame& f, Annotations& notes, std::size_t at,
                                           std::size_t size);
  [[gnu::hot]] inline void on_hdlc_frame(link::HdlcFrame& f, Annotations& notes, std::size_t at,
                                         std::size_t size);
  inline void complete_frame(LinkType link, std::span<const std::uint8_t> payload,
                             std::size_t payload_at, std::size_t at, std::size_t size,
                             Annotations& notes);
  inline void complete_link_frame(LinkType link, std::span<const std::uint8_t> payload,
                                  std::size_t payload_at, std::size_t at, std::size_t size,
                                  Annotations& notes);
  [[gnu::hot]] inline void complete_unit(const UnitView& u);
  inline void start(Reassembly& ra, LinkType link, std::size_t at);
  [[gnu::cold, gnu::noinline]] void drop(Reassembly& ra, ErrorCode code,
                                         const std::string& message);
  [[nodiscard]] bool within_limits(std::size_t frames, std::size_t bytes) const {
    return frames <= limits.max_segments && bytes <= limits.max_apdu;
  }
  [[gnu::cold, gnu::noinline]] [[nodiscard]] std::string over_limits(std::size_t frames) const;
  inline bool add_frame(Reassembly& ra, std::span<const std::uint8_t> payload,
                        std::size_t payload_at, std::size_t frame_at, std::size_t frame_size,
                        Annotations& notes);
  [[gnu::cold, gnu::noinline]] void mbus_out_of_order(unsigned sequence);
  [[gnu::cold, gnu::noinline]] void mbus_without_first(unsigned sequence, std::size_t at,
                                                       std::size_t size);
  [[gnu::cold, gnu::noinline]] void report_frame_dropped(std::size_t at, std::size_t size,
                                                         const char* message);
  [[gnu::cold, gnu::noinline]] void report_over_limits(std::size_t at, std::size_t size);
  [[gnu::cold, gnu::noinline]] void report_incomplete();
  inline void take_spare(std::vector<std::uint8_t>& bytes) noexcept;
  [[gnu::hot]] inline void emit(const UnitView& u);

  // ---- General-Block-Transfer (gbt_reassembly.cpp) -------------------------------------
  void on_gbt_block(const UnitView& u);
  [[gnu::cold, gnu::noinline]] void gbt_unparsed(const UnitView& u, const Error& error);
  [[gnu::cold, gnu::noinline]] void gbt_out_of_order(unsigned number);
  [[gnu::cold, gnu::noinline]] void gbt_without_first(const UnitView& u, unsigned number);
  [[gnu::cold, gnu::noinline]] void gbt_over_limits(unsigned number);

  // ---- explain (explain.cpp) -----------------------------------------------------------
  [[gnu::cold, gnu::noinline]] static void annotate_apdu(const UnitView& u);
  [[gnu::cold, gnu::noinline]] void annotate_gbt_block(const UnitView& u,
                                                       const link::GbtBlock& block) const;
};

}  // namespace sm::frame::detail
