// HDLC frame format type 3 (IEC 62056-46, "frame format"):
//   7E | format (2) | destination (1..4) | source (1..4) | control | HCS (2) | info | FCS (2) | 7E
// Format field: type nibble 0xA, segmentation bit 0x08, 11-bit frame length counting the
// format byte through the FCS (flags excluded). Address bytes end with bit 0 set
// (extended addressing). HCS covers format..control, FCS covers format..info; both are
// CRC-16/X.25, low byte first ("frame check sequence"). A frame without information field has only
// the HCS, which then is the FCS.
//
// The frame is found by its length, never by looking for flags: 0x7E occurs inside frames.
// A closing flag is consumed when present; a frame whose FCS holds is accepted without it
// (its closing flag may double as the next frame's opening flag, or be missing).
#include "common/crc16.h"
#include "common/hex.h"
#include "frame/link_frames.h"

namespace sm::frame::link {
namespace {

constexpr std::uint8_t kFlag = 0x7E;
constexpr std::uint8_t kFormatType3 = 0xA0;
constexpr std::size_t kMaxAddressBytes = 4;
constexpr std::size_t kMinLength = 2 + 1 + 1 + 1 + 2;  // format, dst, src, control, HCS

// One HDLC address (IEC 62056-46 "address field") at `pos`: 1..4 bytes, the last with bit 0
// set. Its size; 0 when the bytes end first (need more), kMaxAddressBytes + 1 when it is
// longer than allowed.
std::size_t address_size(std::span<const std::uint8_t> data, std::size_t pos) {
  for (std::size_t size = 1; size <= kMaxAddressBytes; ++size) {
    const auto b = byte_at(data, pos + size - 1);
    if (!b) return 0;
    if ((*b & 0x01u) != 0) return size;
  }
  return kMaxAddressBytes + 1;
}

// HCS and FCS travel low byte first; the caller has checked that both bytes are there.
std::uint16_t crc_field_at(std::span<const std::uint8_t> data, std::size_t pos) {
  return static_cast<std::uint16_t>(data[pos] | (data[pos + 1] << 8));
}

std::string describe_control(std::uint8_t control) {
  std::string kind = (control & 0x01u) == 0       ? "I frame"
                     : (control & 0xEFu) == 0x03u ? "UI frame"
                     : (control & 0x03u) == 0x01u ? "S frame"
                                                  : "U frame";
  return "control 0x" + hex_u8(control) + " (" + kind +
         ((control & 0x10u) != 0 ? ", poll/final bit set)" : ")");
}

// Where the fields of a verified frame lie (offsets from the candidate start).
struct Layout {
  bool shared_opening_flag;
  bool segmented;
  bool has_info;
  bool closing_flag;
  std::size_t format_pos;
  std::size_t length;
  std::size_t addresses_pos;
  std::size_t dst_size;
  std::size_t header_end;
  std::size_t end;
};

// Annotations and error messages are built out of line: the probe runs once per frame
// and its hot path should stay small.
[[gnu::cold, gnu::noinline]] void annotate_frame(Annotations& n, std::span<const std::uint8_t> data,
                                                 std::size_t at, const Layout& f) {
  const auto addresses = data.subspan(f.addresses_pos, f.header_end - 1 - f.addresses_pos);
  const std::uint8_t control = data[f.header_end - 1];
  if (!f.shared_opening_flag) annotate(&n, "stream", at, 1, "hdlc", "opening flag 0x7E");
  annotate(&n, "stream", at + f.format_pos, 2, "hdlc",
           "frame format type 3, " +
               std::string(f.segmented ? "segmented (more segments follow)" : "not segmented") +
               ", length " + std::to_string(f.length) +
               (f.shared_opening_flag ? " (opening flag shared with the previous frame)" : ""));
  annotate(&n, "stream", at + f.addresses_pos, f.dst_size, "hdlc",
           "destination address 0x" + sm::to_hex(addresses.first(f.dst_size)));
  annotate(&n, "stream", at + f.addresses_pos + f.dst_size, addresses.size() - f.dst_size, "hdlc",
           "source address 0x" + sm::to_hex(addresses.subspan(f.dst_size)));
  annotate(&n, "stream", at + f.header_end - 1, 1, "hdlc", describe_control(control));
  annotate(&n, "stream", at + f.header_end, 2, "hdlc",
           "header check sequence 0x" + hex_u16(crc_field_at(data, f.header_end)) + " OK");
  if (f.has_info) {
    annotate(&n, "stream", at + f.end - 2, 2, "hdlc",
             "frame check sequence 0x" + hex_u16(crc_field_at(data, f.end - 2)) + " OK");
  }
  if (f.closing_flag) annotate(&n, "stream", at + f.end, 1, "hdlc", "closing flag 0x7E");
}

[[gnu::cold, gnu::noinline]] Probe too_long(std::size_t at, std::size_t end) {
  return corrupt(ErrorCode::length, at, end, Confidence::doubtful,
                 "HDLC frame of " + std::to_string(end) + " bytes exceeds the buffer limit");
}

[[gnu::cold, gnu::noinline]] Probe check_failed(std::size_t at, std::size_t end, bool header,
                                                std::uint16_t computed, std::uint16_t stated) {
  return corrupt(
      ErrorCode::checksum, at, end, header ? Confidence::framed : Confidence::certain,
      std::string(header ? "HDLC header check sequence (HCS)" : "HDLC frame check sequence (FCS)") +
          " mismatch: computed 0x" + hex_u16(computed) + ", frame says 0x" + hex_u16(stated));
}

}  // namespace

[[gnu::hot]] Probe probe_hdlc(std::span<const std::uint8_t> data, std::size_t at,
                              bool shared_opening_flag, bool stream_ended,
                              const FramerLimits& limits, HdlcFrame* out, Annotations* notes,
                              ProbeMode mode) {
  std::size_t pos = 0;
  if (!shared_opening_flag) {
    const auto flag = byte_at(data, pos++);
    if (!flag) return need_more();
    if (*flag != kFlag) return no_frame();
  }
  const std::size_t format_pos = pos;
  const auto format_high = byte_at(data, pos++);
  if (!format_high) return need_more();
  if ((*format_high & 0xF0u) != kFormatType3) return no_frame();
  const auto format_low = byte_at(data, pos++);
  if (!format_low) return need_more();
  const bool segmented = (*format_high & 0x08u) != 0;
  const std::size_t length = (static_cast<std::size_t>(*format_high & 0x07u) << 8) | *format_low;
  if (length < kMinLength) return no_frame();
  const std::size_t end = format_pos + length;  // one past the FCS (or HCS)
  if (end + 1 > limits.max_buffer) {
    return too_long(at, end);
  }

  const std::size_t addresses_pos = pos;
  const std::size_t dst_size = address_size(data, addresses_pos);
  if (dst_size == 0) return need_more();
  if (dst_size > kMaxAddressBytes) return no_frame();
  const std::size_t src_size = address_size(data, addresses_pos + dst_size);
  if (src_size == 0) return need_more();
  if (src_size > kMaxAddressBytes) return no_frame();
  pos = addresses_pos + dst_size + src_size;
  const auto control = byte_at(data, pos++);
  if (!control) return need_more();
  const std::size_t header_end = pos;
  if (header_end + 2 > end) return no_frame();  // header longer than the frame
  if (data.size() < header_end + 2) return need_more();
  const std::uint16_t hcs_stated = crc_field_at(data, header_end);
  const std::uint16_t hcs = crc16_x25_prefix(data.subspan(format_pos), header_end - format_pos);
  if (hcs != hcs_stated) {
    // Without its own opening flag, a format-like byte after a frame is mostly chance.
    if (shared_opening_flag) return no_frame();
    return check_failed(at, end, true, hcs, hcs_stated);
  }
  if (mode == ProbeMode::header) return header_verified();

  const std::size_t info_pos = header_end + 2;
  const bool has_info = info_pos < end;
  if (has_info && end - info_pos < 2) return no_frame();  // no room for the FCS
  const std::size_t info_size = has_info ? end - info_pos - 2 : 0;
  if (data.size() < end) return need_more(end + 1);
  if (has_info) {
    // The FCS covers the header too: go on from the HCS over the HCS bytes and the info.
    const std::uint16_t fcs_stated = crc_field_at(data, end - 2);
    const std::uint16_t fcs =
        crc16_x25_continue(hcs, data.subspan(header_end, end - 2 - header_end));
    if (fcs != fcs_stated) {
      return check_failed(at, end, false, fcs, fcs_stated);
    }
  }

  // Closing flag: consume it when it is there; when the next byte is something else the
  // flag is missing (or shared), and at the end of the stream it never came.
  const auto next = byte_at(data, end);
  if (!next && !stream_ended) return need_more(end + 1);
  const bool closing_flag = next == kFlag;
  const std::size_t size = closing_flag ? end + 1 : end;

  const auto addresses = data.subspan(addresses_pos, dst_size + src_size);
  if (out != nullptr) {
    out->segmented = segmented;
    out->addresses = addresses;
    out->control = *control;
    out->info = data.subspan(info_pos, info_size);
    out->info_offset = info_pos;
  }
  if (notes != nullptr) [[unlikely]] {
    annotate_frame(*notes, data, at,
                   {shared_opening_flag, segmented, has_info, closing_flag, format_pos, length,
                    addresses_pos, dst_size, header_end, end});
  }
  return complete(size);
}

}  // namespace sm::frame::link
