// The framings the stream framer knows, one line each: the first bytes that make a
// candidate, the name its errors carry, whether its frames carry a checksum (strong) or
// only their own length (weak), its probe (link_frames.h) and what a frame of it delivers.
// A new framing is its probe's file and one line in kFramings.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "frame/framer_state.h"

namespace sm::frame::detail {
namespace {

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
link::Probe probe_mbus(Framer& f, Bytes view, std::size_t at, bool /*stream_ended*/) {
  return link::probe_mbus(view, at, f.limits, &f.parsed.mbus, f.notes());
}
link::Probe probe_hdlc(Framer& f, Bytes view, std::size_t at, bool stream_ended) {
  return link::probe_hdlc(view, at, false, stream_ended, f.limits, &f.parsed.hdlc, f.notes());
}
link::Probe probe_hdlc_shared_flag(Framer& f, Bytes view, std::size_t at, bool stream_ended) {
  return link::probe_hdlc(view, at, true, stream_ended, f.limits, &f.parsed.hdlc, f.notes());
}
link::Probe probe_wrapper(Framer& f, Bytes view, std::size_t at, bool /*stream_ended*/) {
  return link::probe_wrapper(view, at, f.limits, &f.parsed.bare, f.notes());
}
link::Probe probe_ciphered(Framer& f, Bytes view, std::size_t at, bool /*stream_ended*/) {
  return link::probe_ciphered_apdu(view, at, f.limits, &f.parsed.bare, f.notes());
}
link::Probe probe_notification(Framer& f, Bytes view, std::size_t at, bool /*stream_ended*/) {
  return link::probe_data_notification(view, at, f.limits, &f.parsed.bare, f.notes());
}
link::Probe probe_llc(Framer& f, Bytes view, std::size_t at, bool /*stream_ended*/) {
  return link::probe_llc_apdu(view, at, f.limits, &f.parsed.bare, f.notes());
}

// Header only (the strong/weak rule, resync.cpp).
link::Probe mbus_header(Bytes view, std::size_t at, const FramerLimits& limits) {
  return link::probe_mbus(view, at, limits, nullptr, nullptr, link::ProbeMode::header);
}
link::Probe hdlc_header(Bytes view, std::size_t at, const FramerLimits& limits) {
  return link::probe_hdlc(view, at, false, false, limits, nullptr, nullptr,
                          link::ProbeMode::header);
}

// ---- what a frame delivers ---------------------------------------------------------------
void deliver_mbus(Framer& f, std::size_t at, std::size_t size) {
  f.on_mbus_segment(f.parsed.mbus, f.parsed.notes, at, size);
}
void deliver_hdlc(Framer& f, std::size_t at, std::size_t size) {
  f.hdlc_shared_flag_at = at + size;
  f.on_hdlc_frame(f.parsed.hdlc, f.parsed.notes, at, size);
}
void deliver_wrapper(Framer& f, std::size_t at, std::size_t size) {
  const link::BareApdu& b = f.parsed.bare;
  f.complete_frame(LinkType::wrapper, b.apdu, at + b.apdu_offset, at, size, f.parsed.notes);
}
void deliver_bare(Framer& f, std::size_t at, std::size_t size) {
  const link::BareApdu& b = f.parsed.bare;
  f.complete_frame(LinkType::raw, b.apdu, at + b.apdu_offset, at, size, f.parsed.notes);
}

constexpr auto kStrong = Strength::strong;
constexpr auto kWeak = Strength::weak;

constexpr std::array kFramings = {
    framing("M-Bus long frame", {0x68}, kStrong, probe_mbus, deliver_mbus, mbus_header),
    framing("HDLC frame", {kHdlcFlag}, kStrong, probe_hdlc, deliver_hdlc, hdlc_header),
    framing("DLMS wrapper", {0x00}, kWeak, probe_wrapper, deliver_wrapper),
    framing("ciphered APDU", {0xDB, 0xDF}, kWeak, probe_ciphered, deliver_bare),
    framing("data-notification APDU", {0x0F}, kWeak, probe_notification, deliver_bare),
    framing("APDU behind an LLC header", {link::kLlcDsap}, kWeak, probe_llc, deliver_bare),
};

constexpr std::array<const Framing*, 256> by_start_byte() {
  std::array<const Framing*, 256> table{};
  for (const Framing& f : kFramings) {
    for (std::size_t i = 0; i < f.start_count; ++i) table.at(f.start_bytes.at(i)) = &f;
  }
  return table;
}

}  // namespace

constinit const std::array<const Framing*, 256> kFramingByStartByte = by_start_byte();
constinit const Framing kHdlcSharedFlag =
    framing("HDLC frame", {}, kStrong, probe_hdlc_shared_flag, deliver_hdlc, hdlc_header);

}  // namespace sm::frame::detail
