// Reassembly's frame path, inline for the loop (as it was when StreamFramer was one
// class): DLMS over M-Bus (CI segmentation), HDLC segments (the segmentation bit),
// single-frame APDUs, and the APDU out. The rare paths (dropped reassemblies, limits,
// the end of the stream) are in reassembly.cpp; GBT blocks go on to gbt_reassembly.cpp.
//
// Buffers are reused: a reassembled APDU takes its reassembly's buffer (no copy), the next
// reassembly reserves room for the last APDU's size, and an APDU buffer handed back with
// StreamFramer::recycle() (`spare`) is built in again, so that a steady stream of frames
// allocates nothing once warm.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>

#include "frame/framer_state.h"

namespace sm::frame::detail {

inline void Framer::start(Reassembly& ra, LinkType link, std::size_t at) {
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

// Adds one frame's payload to a reassembly; drops the reassembly when a limit is hit.
inline bool Framer::add_frame(Reassembly& ra, std::span<const std::uint8_t> payload,
                              std::size_t payload_at, std::size_t frame_at, std::size_t frame_size,
                              Annotations& notes) {
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
inline void Framer::complete_frame(LinkType link, std::span<const std::uint8_t> payload,
                                   std::size_t payload_at, std::size_t at, std::size_t size,
                                   Annotations& notes) {
  const Piece piece{0, payload_at, payload.size()};
  complete_unit({link, payload, payload.empty() ? std::span<const Piece>() : std::span(&piece, 1),
                 at, at + size, 1, &notes});
}

// The same for an M-Bus or HDLC frame, which keeps the limits of a reassembly (a bare
// APDU's probe has checked its length).
inline void Framer::complete_link_frame(LinkType link, std::span<const std::uint8_t> payload,
                                        std::size_t payload_at, std::size_t at, std::size_t size,
                                        Annotations& notes) {
  if (!within_limits(1, payload.size())) {
    report_over_limits(at, size);
    return;
  }
  complete_frame(link, payload, payload_at, at, size, notes);
}

// DLMS over M-Bus: CI low nibble = sequence number, 0x10 = last segment. The first
// segment carries sequence number 0 (CI 0x00, or 0x10 for a single-segment APDU).
inline void Framer::on_mbus_segment(link::MbusFrame& f, Annotations& notes, std::size_t at,
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
inline void Framer::on_hdlc_frame(link::HdlcFrame& f, Annotations& notes, std::size_t at,
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
      report_frame_dropped(at, size,
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
inline void Framer::complete_unit(const UnitView& u) {
  if (!u.bytes.empty() && u.bytes.front() == kGeneralBlockTransfer) {
    on_gbt_block(u);
    return;
  }
  if (annotating && u.link != LinkType::raw && u.link != LinkType::dsmr) annotate_apdu(u);
  emit(u);
}

// `bytes` (empty) takes the spare buffer when that is larger.
inline void Framer::take_spare(std::vector<std::uint8_t>& bytes) noexcept {
  if (spare.capacity() > bytes.capacity()) {
    bytes.swap(spare);
    bytes.clear();
  }
}

// The APDU is made in place in the events. A reassembled APDU takes its reassembly's
// buffer (no copy); one that a single frame carried is copied into the spare buffer
// (else one exact allocation). The unit's annotations are moved out.
inline void Framer::emit(const UnitView& u) {
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
    std::stable_sort(a.notes.begin(), a.notes.end(),
                     [](const Annotation& x, const Annotation& y) { return x.offset < y.offset; });
  }
}

}  // namespace sm::frame::detail
