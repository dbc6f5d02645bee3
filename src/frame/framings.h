// The framings the stream framer knows, one line each in kFramings: the first bytes that
// make a candidate, the name its errors carry, whether its frames carry a checksum (strong)
// or only their own length (weak), its probe (link_frames.h) and what a frame of it
// delivers. A new framing is its probe's file and one line in kFramings.
//
// The table is constexpr and the loop dispatches on a framing's index (dispatch() below),
// so each framing's probe and delivery are direct calls, inlined where they were.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <utility>

#include "dlms/apdu_tags.h"
#include "frame/framer_state.h"
#include "frame/reassembly.h"

namespace sm::frame::detail {

// Strong framings carry a checksum, so a frame that verifies is one; weak ones carry
// nothing but their own length (the rule they live by: stream_framer.cpp's opening).
enum class Strength { strong, weak };

// One framing the loop knows. The loop calls a framing's probe and delivery directly
// (dispatch() below), not through these pointers.
struct Framing {
  std::string_view name;  // in error messages: "M-Bus long frame"
  std::array<std::uint8_t, 4> start_bytes{};
  std::size_t start_count{0};  // the first bytes that make a candidate of this framing
  Strength strength{Strength::weak};
  // Probes the frame at `at` into Framer::parsed.
  link::Probe (*probe)(Framer& f, std::span<const std::uint8_t> view, std::size_t at,
                       bool stream_ended){nullptr};
  // Takes the frame Framer::parsed holds, `size` bytes at `at`.
  void (*deliver)(Framer& f, std::size_t at, std::size_t size){nullptr};
  // Strong framings: whether a verified header starts at `at` (need_more with
  // header_verified), for the rule that keeps weak candidates off real frames.
  link::Probe (*probe_header)(std::span<const std::uint8_t> view, std::size_t at,
                              const FramerLimits& limits){nullptr};
};

using Bytes = std::span<const std::uint8_t>;

// Start bytes: up to four (the Framing's array).
constexpr Framing framing(std::string_view name, std::initializer_list<std::uint8_t> start,
                          Strength strength, decltype(Framing::probe) probe,
                          decltype(Framing::deliver) deliver,
                          decltype(Framing::probe_header) probe_header = nullptr) {
  Framing f{name, {}, 0, strength, probe, deliver, probe_header};
  for (const std::uint8_t b : start) f.start_bytes.at(f.start_count++) = b;
  return f;
}

// ---- probes: the link_frames.h probe with the framer's limits, into Framer::parsed ------
[[gnu::always_inline]] inline link::Probe probe_mbus(Framer& f, Bytes view, std::size_t at,
                                                     bool /*stream_ended*/) {
  return link::probe_mbus(view, at, f.limits, &f.parsed.mbus, f.notes());
}
[[gnu::always_inline]] inline link::Probe probe_hdlc(Framer& f, Bytes view, std::size_t at,
                                                     bool stream_ended) {
  return link::probe_hdlc(view, at, false, stream_ended, f.limits, &f.parsed.hdlc, f.notes());
}
[[gnu::always_inline]] inline link::Probe probe_hdlc_shared_flag(Framer& f, Bytes view,
                                                                 std::size_t at,
                                                                 bool stream_ended) {
  return link::probe_hdlc(view, at, true, stream_ended, f.limits, &f.parsed.hdlc, f.notes());
}

// A frame that carries one APDU and nothing to check but its length (link_frames.h's
// probes of that shape: wrapper, ciphered APDU, data-notification, LLC + APDU).
using BareProbe = link::Probe (*)(Bytes, std::size_t, const FramerLimits&, link::BareApdu*,
                                  Annotations*);
template <BareProbe probe>
[[gnu::always_inline]] inline link::Probe probe_bare(Framer& f, Bytes view, std::size_t at,
                                                     bool /*stream_ended*/) {
  return probe(view, at, f.limits, &f.parsed.bare, f.notes());
}

// A DSMR telegram (link_frames.h's probe_dsmr): strong when its CRC verifies, a weak frame
// (Probe::unchecked) without a CRC; it has no header probe, since nothing vouches for a text
// header before the CRC at its end, so weak DLMS candidates do not give way to one.
[[gnu::always_inline]] inline link::Probe probe_dsmr(Framer& f, Bytes view, std::size_t at,
                                                     bool stream_ended) {
  return link::probe_dsmr(view, at, stream_ended, f.limits, &f.parsed.bare, f.notes());
}

// Header only (the strong/weak rule, resync.cpp).
inline link::Probe mbus_header(Bytes view, std::size_t at, const FramerLimits& limits) {
  return link::probe_mbus(view, at, limits, nullptr, nullptr, link::ProbeMode::header);
}
inline link::Probe hdlc_header(Bytes view, std::size_t at, const FramerLimits& limits) {
  return link::probe_hdlc(view, at, false, false, limits, nullptr, nullptr,
                          link::ProbeMode::header);
}

// ---- what a frame delivers ---------------------------------------------------------------
[[gnu::always_inline]] inline void deliver_mbus(Framer& f, std::size_t at, std::size_t size) {
  f.on_mbus_segment(f.parsed.mbus, f.parsed.notes, at, size);
}
[[gnu::always_inline]] inline void deliver_hdlc(Framer& f, std::size_t at, std::size_t size) {
  f.hdlc_shared_flag_at = at + size;
  f.on_hdlc_frame(f.parsed.hdlc, f.parsed.notes, at, size);
}

// The APDU a probe_bare() framing found, as one link-layer unit of that `kind`.
template <LinkType kind>
[[gnu::always_inline]] inline void deliver_bare(Framer& f, std::size_t at, std::size_t size) {
  const link::BareApdu& b = f.parsed.bare;
  f.complete_frame(kind, b.apdu, at + b.apdu_offset, at, size, f.parsed.notes);
}

inline constexpr std::array kFramings = {
    framing("M-Bus long frame", {0x68}, Strength::strong, probe_mbus, deliver_mbus, mbus_header),
    framing("HDLC frame", {kHdlcFlag}, Strength::strong, probe_hdlc, deliver_hdlc, hdlc_header),
    framing("DLMS wrapper", {0x00}, Strength::weak, probe_bare<link::probe_wrapper>,
            deliver_bare<LinkType::wrapper>),
    framing("ciphered APDU",
            {dlms::apdu_tag::general_glo_ciphering, dlms::apdu_tag::general_ded_ciphering,
             dlms::apdu_tag::general_ciphering, dlms::apdu_tag::general_signing},
            Strength::weak, probe_bare<link::probe_ciphered_apdu>, deliver_bare<LinkType::raw>),
    framing("data-notification APDU", {dlms::apdu_tag::data_notification}, Strength::weak,
            probe_bare<link::probe_data_notification>, deliver_bare<LinkType::raw>),
    framing("APDU behind an LLC header", {link::kLlcDsap}, Strength::weak,
            probe_bare<link::probe_llc_apdu>, deliver_bare<LinkType::raw>),
    framing("DSMR telegram", {'/'}, Strength::strong, probe_dsmr, deliver_bare<LinkType::dsmr>),
    // An HDLC frame whose opening flag was the previous frame's closing flag: it starts at
    // its format byte (classify() picks it, at hdlc_shared_flag_at only).
    framing("HDLC frame", {}, Strength::strong, probe_hdlc_shared_flag, deliver_hdlc),
};

inline constexpr std::uint8_t kHdlcSharedFlag = kFramings.size() - 1;
inline constexpr std::uint8_t kNoFraming = 0xFF;

// The framing a first byte starts (its index in kFramings), else kNoFraming.
inline constexpr std::array<std::uint8_t, 256> kFramingByStartByte = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(kNoFraming);
  for (std::size_t k = 0; k < kFramings.size(); ++k) {
    for (std::size_t i = 0; i < kFramings[k].start_count; ++i) {
      const std::uint8_t b = kFramings[k].start_bytes.at(i);
      if (table.at(b) != kNoFraming) throw "two framings start with the same byte";
      table.at(b) = static_cast<std::uint8_t>(k);
    }
  }
  return table;
}();

// kFramings[k].probe(args...) (Step::probe) or .deliver(args...) (Step::deliver), as a
// direct call: the index is compared with each constant in turn (the first framings are
// the ones a meter sends most).
enum class Step { probe, deliver };
template <Step step, std::size_t I = 0, typename... Args>
[[gnu::always_inline]] inline auto dispatch(std::size_t k, Args&&... args) {
  if constexpr (I + 1 < kFramings.size()) {
    if (k != I) return dispatch<step, I + 1>(k, std::forward<Args>(args)...);
  }
  // Read at compile time (constexpr), so the call is direct and the function inlined.
  if constexpr (step == Step::probe) {
    constexpr auto probe = kFramings[I].probe;
    return probe(std::forward<Args>(args)...);
  } else {
    constexpr auto deliver = kFramings[I].deliver;
    return deliver(std::forward<Args>(args)...);
  }
}

}  // namespace sm::frame::detail
