// APDUs without a checksummed link layer: the DLMS wrapper (IEC 62056-47) and bare APDUs
// as pushed on P1-style ports (the ciphering APDUs and the data-notification of
// dlms/apdu_tags.h).
// Nothing but their own structure vouches for these, so the probes check every field they
// can and StreamFramer treats them as weak candidates (see stream_framer.cpp).
#include <algorithm>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "dlms/apdu.h"
#include "dlms/apdu_tags.h"
#include "dlms/axdr.h"
#include "dlms/ciphering.h"
#include "dlms/descriptor_items.h"
#include "frame/framer_state.h"
#include "frame/link_frames.h"

namespace sm::frame::link {
namespace {

constexpr std::uint16_t kWrapperVersion = 0x0001;
constexpr std::size_t kWrapperHeader = 8;
constexpr auto kArrayTag = static_cast<std::uint8_t>(dlms::Tag::array);
constexpr auto kStructureTag = static_cast<std::uint8_t>(dlms::Tag::structure);

// The APDUs a wrapper may carry: what the bare probes take, and General-Block-Transfer blocks.
bool is_wrapped_apdu_tag(std::uint8_t tag) {
  return tag == dlms::apdu_tag::data_notification || dlms::is_ciphering_tag(tag) ||
         dlms::is_general_protection_tag(tag) || tag == detail::kGeneralBlockTransfer;
}

// The APDU a wrapper announces (all of it), probed without output by the probe of its tag.
Probe probe_wrapped_apdu(std::span<const std::uint8_t> content, std::size_t at,
                         const FramerLimits& limits) {
  const auto tag = byte_at(content, 0);
  if (!tag) return need_more();
  if (*tag == dlms::apdu_tag::data_notification) {
    return probe_data_notification(content, at, limits, nullptr, nullptr);
  }
  if (dlms::is_ciphering_tag(*tag) || dlms::is_general_protection_tag(*tag)) {
    return probe_ciphered_apdu(content, at, limits, nullptr, nullptr);
  }
  if (*tag == detail::kGeneralBlockTransfer) {  // a block: its block-data length fills the rest
    if (!parse_gbt_block(content, at)) return no_frame();
    return complete(content.size());
  }
  return no_frame();
}

}  // namespace

std::string printable(std::span<const std::uint8_t> bytes) {
  std::string text;
  for (const std::uint8_t b : bytes) text += (b >= 0x20 && b < 0x7F) ? static_cast<char>(b) : '.';
  return text;
}

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
  // Eight bytes are easily met inside other frames (a class-id 0x0001 and an OBIS code in a
  // descriptor-item push read as version, wPorts and length): the header counts only when
  // the APDU it announces is one the bare probes below take and fills the length exactly.
  // The tag at once; the APDU's own length when it is all there (probed once, not on every
  // byte of a frame that arrives slowly).
  const auto tag = byte_at(r.rest(), 0);
  if (!tag) return need_more(total);
  if (!is_wrapped_apdu_tag(*tag)) return no_frame();
  auto apdu = r.bytes(*length);
  if (!apdu) return need_more(total);
  const Probe inner = probe_wrapped_apdu(*apdu, at + kWrapperHeader, limits);
  if (inner.verdict != Verdict::frame || inner.size != *length) return no_frame();
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

// general-ciphering / general-signing: framed by their fields, so that the layers above
// report them by name (nothing removes their protection).
Probe probe_general_protection(std::span<const std::uint8_t> data, std::size_t at,
                               const FramerLimits& limits, BareApdu* out, Annotations* notes) {
  const std::size_t cap = std::min(limits.max_apdu, limits.max_buffer);
  // A field reaching beyond the APDU limit is noise, not a frame to wait for.
  const auto length = dlms::general_protection_length(data, cap, Layer::frame);
  if (!length) return length.error().code == ErrorCode::incomplete ? need_more() : no_frame();
  if (out != nullptr) {
    out->apdu = data.first(*length);
    out->apdu_offset = 0;
  }
  if (notes != nullptr) {
    annotate(notes, "stream", at, *length, "raw",
             std::string(dlms::apdu_name(data[0])) + " 0x" + hex_u8(data[0]) + " (bare APDU, " +
                 std::to_string(*length) + " bytes; not deciphered)");
  }
  return complete(*length);
}

Probe probe_ciphered_apdu(std::span<const std::uint8_t> data, std::size_t at,
                          const FramerLimits& limits, BareApdu* out, Annotations* notes) {
  const auto tag = byte_at(data, 0);
  if (!tag) return need_more();
  if (dlms::is_general_protection_tag(*tag)) {
    return probe_general_protection(data, at, limits, out, notes);
  }
  if (!dlms::is_ciphering_tag(*tag)) return no_frame();
  ByteReader r(data, Layer::frame, "ciphered APDU", at);
  const auto prefix = dlms::read_ciphering_prefix(r);
  if (!prefix) {
    return prefix.error().code == ErrorCode::incomplete ? need_more() : no_frame();
  }
  const std::size_t header = prefix->content_offset;
  const std::size_t length = prefix->content_length;
  const std::size_t cap = std::min(limits.max_apdu, limits.max_buffer);
  if (length > cap || header + length > cap) {
    return corrupt(ErrorCode::length, at, header, Confidence::doubtful,
                   "ciphered APDU length " + std::to_string(length) +
                       " exceeds the APDU limit of " + std::to_string(cap) + " bytes");
  }
  const std::size_t total = prefix->total();
  // Security control byte (IEC 62056-5-3 security header: bit 4 authentication, bit 5
  // encryption): a ciphered APDU is authenticated, encrypted or both; else it is not one.
  const auto security_control = byte_at(data, header);
  if (!security_control) return need_more(total);
  if ((*security_control & 0x30u) == 0) return no_frame();
  const auto all = bytes_at(data, 0, total);
  if (!all) return need_more(total);
  if (out != nullptr) {
    out->apdu = *all;
    out->apdu_offset = 0;
  }
  if (notes != nullptr) {
    Annotations& n = *notes;
    annotate(&n, "stream", at, 1, "raw",
             std::string(dlms::apdu_name(*tag)) + " 0x" + hex_u8(*tag) + " (bare APDU)");
    annotate(&n, "stream", at + prefix->title_offset, 1, "raw", "system title length 8");
    annotate(&n, "stream", at + prefix->title_offset + 1, dlms::kSystemTitleSize, "raw",
             "system title " + sm::to_hex(prefix->system_title) + " (" +
                 printable(prefix->system_title.first(3)) + ")");
    annotate(&n, "stream", at + prefix->length_offset, header - prefix->length_offset, "raw",
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
  const std::uint8_t tag = apdu.front();
  if (dlms::is_ciphering_tag(tag) || dlms::is_general_protection_tag(tag)) {
    p = probe_ciphered_apdu(apdu, apdu_at, limits, out, notes);
  } else if (tag == dlms::apdu_tag::data_notification) {
    p = probe_data_notification(apdu, apdu_at, limits, out, notes);
  } else {
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

  if (data.empty()) return need_more();
  if (data[0] != dlms::apdu_tag::data_notification) return no_frame();
  ByteReader r(window, Layer::frame, "data-notification", at);
  const auto header = dlms::read_notification_header(r);
  if (!header) {
    if (header.error().code != ErrorCode::incomplete) return no_frame();
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
  auto body_length = dlms::encoded_length(r.rest());
  const bool axdr_body = body_length.has_value();
  if (!body_length) {
    // Not one A-XDR value: perhaps items named by untagged attribute descriptors (ČEZ,
    // EG.D; dlms/descriptor_items.h), whose length only that layout's reader knows.
    const bool cut = body_length.error().code == ErrorCode::incomplete;
    const auto items = dlms::read_descriptor_items(r.rest(), body_pos, dlms::AxdrLimits{}, false);
    if (items) {
      body_length = items->length;
    } else if (!cut && items.error().code != ErrorCode::incomplete) {
      return no_frame();
    } else {
      return truncated_by_cap ? too_long() : need_more();
    }
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
    annotate(&n, "stream", at, 1, "raw",
             std::string(dlms::apdu_name(data[0])) + " 0x" + hex_u8(data[0]) + " (bare APDU)");
    annotate(&n, "stream", at + 1, 4, "raw",
             "long-invoke-id-and-priority 0x" + sm::to_hex(all->subspan(1, 4)));
    annotate(&n, "stream", at + header->date_time_offset, body_pos - header->date_time_offset,
             "raw", header->date_time.empty() ? "date-time absent" : "date-time (12 bytes)");
    annotate(&n, "stream", at + body_pos, *body_length, "raw",
             std::string(axdr_body ? "notification body (A-XDR, "
                                   : "notification body (items named by attribute descriptors, ") +
                 std::to_string(*body_length) + " bytes)");
  }
  return complete(total);
}

}  // namespace sm::frame::link
