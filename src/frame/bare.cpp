// APDUs without a checksummed link layer: the DLMS wrapper (IEC 62056-47) and bare APDUs
// as pushed on P1-style ports (general-ciphering 0xDB/0xDF, data-notification 0x0F).
// Nothing but their own structure vouches for these, so the probes check every field they
// can and StreamFramer treats them as weak candidates (see stream_framer.cpp).
#include <algorithm>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "dlms/axdr.h"
#include "frame/link_frames.h"

namespace sm::frame::link {
namespace {

constexpr std::uint16_t kWrapperVersion = 0x0001;
constexpr std::size_t kWrapperHeader = 8;
constexpr std::uint8_t kGeneralGloCiphering = 0xDB;
constexpr std::uint8_t kGeneralDedCiphering = 0xDF;
constexpr std::uint8_t kSystemTitleLength = 8;
constexpr std::size_t kSecurityHeader = 5;  // security control byte + invocation counter
constexpr std::uint8_t kDataNotification = 0x0F;
constexpr std::size_t kDateTimeLength = 12;
constexpr std::uint8_t kOctetStringTag = 0x09;
constexpr std::uint8_t kArrayTag = 0x01;
constexpr std::uint8_t kStructureTag = 0x02;

// A-XDR length (IEC 61334-6): short errors mean "wait", malformed forms mean "not here".
enum class LengthRead { ok, need_more, invalid };
LengthRead read_axdr_length(ByteReader& r, std::size_t& length) {
  auto n = dlms::read_length(r);
  if (n) {
    length = *n;
    return LengthRead::ok;
  }
  return n.error().code == ErrorCode::incomplete ? LengthRead::need_more : LengthRead::invalid;
}

std::string printable(std::span<const std::uint8_t> bytes) {
  std::string text;
  for (const std::uint8_t b : bytes) text += (b >= 0x20 && b < 0x7F) ? static_cast<char>(b) : '.';
  return text;
}

}  // namespace

Probe probe_wrapper(std::span<const std::uint8_t> data, std::size_t at, const FramerLimits& limits,
                    BareApdu* out, Annotations* notes) {
  ByteReader r(data, Layer::frame, "DLMS wrapper", at);
  auto version_high = r.u8();
  if (!version_high) return need_more(kWrapperHeader);
  if (*version_high != (kWrapperVersion >> 8)) return no_frame();
  auto version_low = r.u8();
  if (!version_low) return need_more(kWrapperHeader);
  if (*version_low != (kWrapperVersion & 0xFF)) return no_frame();
  auto source = r.u16be();
  auto destination = r.u16be();
  auto length = r.u16be();
  if (!source || !destination || !length) return need_more(kWrapperHeader);
  if (*length == 0) return no_frame();
  const std::size_t total = kWrapperHeader + *length;
  if (*length > limits.max_apdu || total > limits.max_buffer) {
    return corrupt(ErrorCode::length, at, kWrapperHeader, Confidence::doubtful,
                   "DLMS wrapper length " + std::to_string(*length) +
                       " exceeds the APDU limit of " +
                       std::to_string(std::min(limits.max_apdu, limits.max_buffer)) + " bytes");
  }
  auto apdu = r.bytes(*length);
  if (!apdu) return need_more(total);
  if (out != nullptr) {
    out->apdu = *apdu;
    out->apdu_offset = kWrapperHeader;
  }
  if (notes != nullptr) {
    Annotations& n = *notes;
    annotate(&n, "stream", at, 2, "wrapper", "wrapper version 0x0001");
    annotate(&n, "stream", at + 2, 2, "wrapper", "source wPort " + std::to_string(*source));
    annotate(&n, "stream", at + 4, 2, "wrapper",
             "destination wPort " + std::to_string(*destination));
    annotate(&n, "stream", at + 6, 2, "wrapper", "APDU length " + std::to_string(*length));
  }
  return complete(total);
}

Probe probe_ciphered_apdu(std::span<const std::uint8_t> data, std::size_t at,
                          const FramerLimits& limits, BareApdu* out, Annotations* notes) {
  ByteReader r(data, Layer::frame, "ciphered APDU", at);
  auto tag = r.u8();
  if (!tag) return need_more();
  if (*tag != kGeneralGloCiphering && *tag != kGeneralDedCiphering) return no_frame();
  auto title_length = r.u8();
  if (!title_length) return need_more();
  if (*title_length != kSystemTitleLength) return no_frame();
  auto title = r.bytes(kSystemTitleLength);
  if (!title) return need_more();
  const std::size_t length_pos = r.position();
  std::size_t length = 0;
  switch (read_axdr_length(r, length)) {
    case LengthRead::need_more:
      return need_more();
    case LengthRead::invalid:
      return no_frame();
    case LengthRead::ok:
      break;
  }
  if (length < kSecurityHeader) return no_frame();
  const std::size_t header = r.position();
  const std::size_t cap = std::min(limits.max_apdu, limits.max_buffer);
  if (length > cap || header + length > cap) {
    return corrupt(ErrorCode::length, at, header, Confidence::doubtful,
                   "ciphered APDU length " + std::to_string(length) +
                       " exceeds the APDU limit of " + std::to_string(cap) + " bytes");
  }
  const std::size_t total = header + length;
  // Security control byte (IEC 62056-5-3 security header: bit 4 authentication, bit 5
  // encryption): a ciphered APDU is authenticated, encrypted or both; else it is not one.
  auto security_control = r.u8();
  if (!security_control) return need_more(total);
  if ((*security_control & 0x30u) == 0) return no_frame();
  if (!r.skip(length - 1)) return need_more(total);
  if (out != nullptr) {
    auto all = ByteReader(data, Layer::frame, "ciphered APDU").bytes(total);
    if (!all) return need_more(total);
    out->apdu = *all;
    out->apdu_offset = 0;
  }
  if (notes != nullptr) {
    Annotations& n = *notes;
    annotate(&n, "stream", at, 1, "raw",
             *tag == kGeneralGloCiphering ? "general-glo-ciphering 0xDB (bare APDU)"
                                          : "general-ded-ciphering 0xDF (bare APDU)");
    annotate(&n, "stream", at + 1, 1, "raw", "system title length 8");
    annotate(&n, "stream", at + 2, kSystemTitleLength, "raw",
             "system title " + sm::to_hex(*title) + " (" + printable(title->first(3)) + ")");
    annotate(&n, "stream", at + length_pos, header - length_pos, "raw",
             "ciphered content length " + std::to_string(length));
    annotate(
        &n, "stream", at + header, length, "raw",
        "security control, invocation counter, ciphertext (" + std::to_string(length) + " bytes)");
  }
  return complete(total);
}

[[gnu::cold]] void annotate_llc(Annotations& notes, std::size_t at, std::uint8_t ssap) {
  annotate(&notes, "stream", at, kLlcHeaderSize, "llc",
           std::string("LLC header E6 ") + (ssap == kLlcSsapResponse ? "E7" : "E6") +
               " 00 (destination LSAP, source LSAP, quality)");
}

Probe probe_llc_apdu(std::span<const std::uint8_t> data, std::size_t at, const FramerLimits& limits,
                     BareApdu* out, Annotations* notes) {
  const std::size_t prefix = llc_prefix(data);
  if (prefix == 0 && !data.empty()) return no_frame();
  if (prefix < kLlcHeaderSize || data.size() == kLlcHeaderSize) return need_more();
  const auto apdu = data.subspan(kLlcHeaderSize);
  const std::size_t apdu_at = at + kLlcHeaderSize;
  Probe p;
  switch (apdu.front()) {
    case kGeneralGloCiphering:
    case kGeneralDedCiphering:
      p = probe_ciphered_apdu(apdu, apdu_at, limits, out, notes);
      break;
    case kDataNotification:
      p = probe_data_notification(apdu, apdu_at, limits, out, notes);
      break;
    default:
      return no_frame();
  }
  if (p.verdict == Verdict::no_frame) return p;
  if (p.size != 0) p.size += kLlcHeaderSize;  // sizes and totals count from the LLC header
  if (p.verdict == Verdict::frame) {
    if (out != nullptr) out->apdu_offset += kLlcHeaderSize;
    if (notes != nullptr) annotate_llc(*notes, at, data[1]);
  }
  return p;
}

Probe probe_data_notification(std::span<const std::uint8_t> data, std::size_t at,
                              const FramerLimits& limits, BareApdu* out, Annotations* notes) {
  // The value's end is found by walking it; look no further than an APDU may reach, so a
  // candidate that never ends is rejected after a bounded number of bytes.
  const std::size_t cap = std::min(limits.max_apdu, limits.max_buffer);
  const auto window = data.first(std::min(data.size(), cap));
  const bool truncated_by_cap = data.size() >= cap;
  const auto too_long = [&] {
    return corrupt(
        ErrorCode::length, at, cap, Confidence::doubtful,
        "data-notification APDU longer than the limit of " + std::to_string(cap) + " bytes");
  };

  ByteReader r(window, Layer::frame, "data-notification", at);
  auto tag = r.u8();
  if (!tag) return truncated_by_cap ? too_long() : need_more();
  if (*tag != kDataNotification) return no_frame();
  auto invoke_id = r.u32be();
  auto date_time_tag = r.u8();
  if (!invoke_id || !date_time_tag) return truncated_by_cap ? too_long() : need_more();
  // date-time: absent (00), an octet-string of 12 (0C ...), or — Norwegian Kaifa — the
  // same with an explicit octet-string tag (09 0C ...).
  const std::size_t date_time_pos = r.position() - 1;
  if (*date_time_tag == kOctetStringTag) {
    auto inner = r.u8();
    if (!inner) return truncated_by_cap ? too_long() : need_more();
    if (*inner != kDateTimeLength) return no_frame();
  } else if (*date_time_tag != 0x00 && *date_time_tag != kDateTimeLength) {
    return no_frame();
  }
  if (*date_time_tag != 0x00 && !r.skip(kDateTimeLength)) {
    return truncated_by_cap ? too_long() : need_more();
  }
  const std::size_t body_pos = r.position();
  // A push's notification body is the structure (or array) of its push objects' values
  // (IEC 62056-6-2 push setup); requiring a non-empty one keeps short runs of noise
  // such as 0F xx xx xx xx 00 00 from passing for a notification.
  ByteReader body(r.rest(), Layer::frame, "data-notification body", at + body_pos);
  const auto body_tag = body.u8();
  const auto body_count = body.u8();
  if (!body_tag || !body_count) return truncated_by_cap ? too_long() : need_more();
  if ((*body_tag != kArrayTag && *body_tag != kStructureTag) || *body_count == 0) {
    return no_frame();
  }
  const auto body_length = dlms::encoded_length(r.rest());
  if (!body_length) {
    if (body_length.error().code != ErrorCode::incomplete) return no_frame();
    return truncated_by_cap ? too_long() : need_more();
  }
  const std::size_t total = body_pos + *body_length;
  auto all = ByteReader(window, Layer::frame, "data-notification").bytes(total);
  if (!all) return need_more();
  if (out != nullptr) {
    out->apdu = *all;
    out->apdu_offset = 0;
  }
  if (notes != nullptr) {
    Annotations& n = *notes;
    annotate(&n, "stream", at, 1, "raw", "data-notification 0x0F (bare APDU)");
    annotate(&n, "stream", at + 1, 4, "raw",
             "long-invoke-id-and-priority 0x" + sm::to_hex(all->subspan(1, 4)));
    annotate(&n, "stream", at + date_time_pos, body_pos - date_time_pos, "raw",
             *date_time_tag == 0x00 ? "date-time absent" : "date-time (12 bytes)");
    annotate(&n, "stream", at + body_pos, *body_length, "raw",
             "notification body (A-XDR, " + std::to_string(*body_length) + " bytes)");
  }
  return complete(total);
}

}  // namespace sm::frame::link
