// DSMR P1 telegrams (IEC 62056-21 mode D text, DSMR 2.2 to 5.0.2, Belgian e-MUCS):
//
//   /XXXZ<identification> CR LF        '/', a three-letter manufacturer flag, a baud-rate
//   CR LF                              character, the identification
//   1-0:1.8.1(000010.181*kWh) CR LF    data lines: printable ASCII
//   ...
//   !AD3B CR LF                        '!', the CRC (DSMR 4 and 5), CR LF
//
// The CRC is CRC-16/ARC over '/' up to and including '!', sent as 4 hex digits (3 where a
// device drops the leading zero); DSMR 2.2/3.0 send none ('!' CR LF). A telegram with a
// CRC that verifies is a frame; one without a CRC carries nothing but its shape, so it is
// a weak frame (Probe::unchecked: stream_framer.cpp's rule for weak candidates applies).
// The telegram goes up the stack whole ('/' to the final LF): the text decoder reads it.
#include <algorithm>
#include <string>

#include "common/crc16.h"
#include "common/hex.h"
#include "frame/link_frames.h"

namespace sm::frame::link {
namespace {

constexpr std::uint8_t kStart = '/';
constexpr std::uint8_t kEnd = '!';
constexpr std::size_t kFlagEnd = 4;  // '/' and the three letters of the manufacturer flag
// IEC 62056-21 allows 16 identification characters; room for longer ones, not for a
// stream of noise that happens to start with '/'.
constexpr std::size_t kMaxIdentificationLine = 96;

bool is_letter(std::uint8_t b) {
  return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
}
bool is_alnum(std::uint8_t b) {
  return is_letter(b) || (b >= '0' && b <= '9');
}
// A byte of a data line: printable ASCII, CR, LF.
bool is_line_byte(std::uint8_t b) {
  return (b >= 0x20 && b <= 0x7E) || b == '\r' || b == '\n';
}

// Errors are built out of line: the probe runs once per telegram.
[[gnu::cold, gnu::noinline]] Probe broken_off(std::size_t at, std::size_t where,
                                              std::uint8_t byte) {
  return corrupt(byte == kStart ? ErrorCode::incomplete : ErrorCode::decode, at, where + 1,
                 Confidence::doubtful,
                 byte == kStart
                     ? "DSMR telegram broken off after " + std::to_string(where) +
                           " bytes: a new telegram starts at offset " + std::to_string(at + where)
                     : "DSMR telegram broken off at offset " + std::to_string(at + where) +
                           " by byte 0x" + hex_u8(byte) + " (not text)");
}

[[gnu::cold, gnu::noinline]] Probe too_long(std::size_t at, std::size_t cap) {
  return corrupt(ErrorCode::length, at, cap, Confidence::doubtful,
                 "DSMR telegram longer than the limit of " + std::to_string(cap) +
                     " bytes without its end line '!'");
}

[[gnu::cold, gnu::noinline]] Probe bad_crc_field(std::size_t at, std::size_t bang,
                                                 std::span<const std::uint8_t> field) {
  return corrupt(ErrorCode::checksum, at, bang + 1 + field.size(), Confidence::certain,
                 "DSMR CRC after '!' at offset " + std::to_string(at + bang) +
                     " is not 4 hex digits and CR LF: '" + printable(field) + "'");
}

[[gnu::cold, gnu::noinline]] Probe crc_mismatch(std::size_t at, std::size_t size,
                                                std::uint16_t sent, std::uint16_t computed) {
  return corrupt(ErrorCode::checksum, at, size, Confidence::certain,
                 "DSMR telegram CRC mismatch: telegram says " + hex_u16(sent) + ", computed " +
                     hex_u16(computed) + " (CRC-16/ARC over '/'..'!'); telegram dropped");
}

[[gnu::cold, gnu::noinline]] void annotate_telegram(Annotations& n,
                                                    std::span<const std::uint8_t> data,
                                                    std::size_t at, std::size_t ident_end,
                                                    std::size_t bang, std::size_t digits,
                                                    std::size_t size) {
  annotate(&n, "stream", at, ident_end, "dsmr",
           "identification line /" + printable(data.subspan(1, 3)) + " (manufacturer), baud " +
               "rate character " + printable(data.subspan(kFlagEnd, 1)) + ", identification " +
               printable(data.subspan(kFlagEnd + 1, ident_end - kFlagEnd - 3)));
  if (bang > ident_end) {
    annotate(&n, "stream", at + ident_end, bang - ident_end, "dsmr",
             "data lines (" + std::to_string(bang - ident_end) + " bytes)");
  }
  annotate(&n, "stream", at + bang, size - bang, "dsmr",
           digits == 0 ? std::string("end line '!' without CRC (DSMR 2.2/3.0)")
                       : "end line '!', CRC " + printable(data.subspan(bang + 1, digits)) +
                             " OK (CRC-16/ARC over '/'..'!')");
}

// The CRC field and line end after the '!' at `bang`.
Probe finish_telegram(std::span<const std::uint8_t> data, std::size_t at, std::size_t bang,
                      std::size_t ident_end, bool stream_ended, BareApdu* out, Annotations* notes) {
  const LeadingHex crc = leading_hex(data.subspan(bang + 1), kDsmrCrcDigits);
  const std::size_t digits = crc.digits;
  const std::size_t pos = bang + 1 + digits;
  std::size_t size = pos;
  if (pos == data.size() && !stream_ended) return need_more();
  if (pos < data.size()) {
    // CR LF end the telegram (a stream that ends after the CRC ends it too).
    if (data[pos] != '\r') return bad_crc_field(at, bang, data.subspan(bang + 1, digits + 1));
    if (pos + 1 == data.size() && !stream_ended) return need_more();
    if (pos + 1 < data.size() && data[pos + 1] != '\n') {
      return bad_crc_field(at, bang, data.subspan(bang + 1, digits + 2));
    }
    size = std::min(pos + 2, data.size());
  }
  if (digits != 0 && digits < kDsmrCrcMinDigits) {
    return bad_crc_field(at, bang, data.subspan(bang + 1, digits));
  }
  if (digits != 0) {
    const std::uint16_t computed = crc16_arc(data.first(bang + 1));
    if (crc.value != computed) return crc_mismatch(at, size, crc.value, computed);
  }
  if (out != nullptr) {
    out->apdu = data.first(size);
    out->apdu_offset = 0;
  }
  if (notes != nullptr) [[unlikely]] {
    annotate_telegram(*notes, data, at, ident_end, bang, digits, size);
  }
  return digits == 0 ? complete_unchecked(size) : complete(size);
}

}  // namespace

Probe probe_dsmr(std::span<const std::uint8_t> data, std::size_t at, bool stream_ended,
                 const FramerLimits& limits, BareApdu* out, Annotations* notes) {
  const std::size_t cap = std::min(limits.max_apdu, limits.max_buffer);
  const auto view = data.first(std::min(data.size(), cap));
  // '/', the manufacturer flag, the baud-rate character: rejected as soon as visible.
  if (view.empty()) return need_more();
  if (view[0] != kStart) return no_frame();
  for (std::size_t i = 1; i <= kFlagEnd; ++i) {
    if (i >= view.size()) return view.size() >= cap ? too_long(at, cap) : need_more();
    if (i < kFlagEnd ? !is_letter(view[i]) : !is_alnum(view[i])) return no_frame();
  }
  // The identification: any 7-bit byte but CR and LF (one peer's capture holds 0x02 there),
  // up to CR LF.
  std::size_t pos = kFlagEnd + 1;
  for (; pos < view.size() && view[pos] != '\r'; ++pos) {
    if (pos >= kMaxIdentificationLine || view[pos] == '\n' || view[pos] == 0 || view[pos] > 0x7E) {
      return no_frame();
    }
  }
  if (pos + 1 >= view.size()) return view.size() >= cap ? too_long(at, cap) : need_more();
  if (view[pos + 1] != '\n') return no_frame();
  const std::size_t ident_end = pos + 2;
  // Data lines up to '!'. A '/' is the next telegram's start: this one broke off.
  for (pos = ident_end; pos < view.size(); ++pos) {
    const std::uint8_t b = view[pos];
    if (b == kEnd) {
      Probe p = finish_telegram(view, at, pos, ident_end, stream_ended, out, notes);
      return p.verdict == Verdict::need_more && view.size() >= cap ? too_long(at, cap)
                                                                   : std::move(p);
    }
    if (b == kStart || !is_line_byte(b)) return broken_off(at, pos, b);
  }
  return view.size() >= cap ? too_long(at, cap) : need_more();
}

}  // namespace sm::frame::link
