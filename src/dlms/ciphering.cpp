#include "dlms/ciphering.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>

#include "dlms/apdu_tags.h"
#include "dlms/axdr.h"

namespace sm::dlms {
namespace {

constexpr std::size_t kDateTimeSize = 12;

// Skips an A-XDR OCTET STRING that must end within `max_end` bytes of the reader's start;
// with `allowed`, its length must be one of those.
Result<void> skip_octet_string(ByteReader& r, std::size_t max_end,
                               std::initializer_list<std::size_t> allowed = {}) {
  const std::size_t at = r.position();
  auto length = read_length(r);
  if (!length) return tl::unexpected(length.error());
  if (*length > max_end - std::min(max_end, r.position())) {
    return tl::unexpected(r.error_at(at, ErrorCode::length,
                                     "field of " + std::to_string(*length) +
                                         " bytes ends beyond the limit of " +
                                         std::to_string(max_end) + " bytes"));
  }
  if (allowed.size() != 0 && std::find(allowed.begin(), allowed.end(), *length) == allowed.end()) {
    return tl::unexpected(
        r.error_at(at, ErrorCode::decode, "field of " + std::to_string(*length) + " bytes"));
  }
  return r.skip(*length);
}

// key-info OPTIONAL (general-ciphering): 00 absent, or 01 and a CHOICE of identified-key [0]
// {key-id}, wrapped-key [1] {kek-id, key-ciphered-data}, agreed-key [2] {key-parameters,
// key-ciphered-data}.
Result<void> skip_key_info(ByteReader& r, std::size_t max_end) {
  auto present = r.u8();
  if (!present) return tl::unexpected(present.error());
  if (*present == 0x00) return {};
  auto choice = r.u8();
  if (!choice) return tl::unexpected(choice.error());
  if (*present != 0x01 || *choice > 2) {
    return tl::unexpected(r.error(ErrorCode::decode, "malformed key-info"));
  }
  if (*choice == 0) return r.skip(1);                         // key-id (enum)
  auto first = *choice == 1 ? r.skip(1)                       // kek-id (enum)
                            : skip_octet_string(r, max_end);  // key-parameters
  if (!first) return first;
  return skip_octet_string(r, max_end);  // key-ciphered-data
}

}  // namespace

Result<CipheringPrefix> read_ciphering_prefix(ByteReader& r) {
  CipheringPrefix p;
  p.at = r.position();
  auto tag = r.u8();
  if (!tag) return tl::unexpected(tag.error());
  if (!is_ciphering_tag(*tag)) {
    return tl::unexpected(r.error_at(p.at, ErrorCode::decode, "not a ciphering tag"));
  }
  p.tag = *tag;

  // system-title OCTET STRING: 8 bytes (Green Book 4.3.4), needed for the IV.
  p.title_offset = r.position() - p.at;
  auto title_length = read_length(r);
  if (!title_length) return tl::unexpected(title_length.error());
  if (*title_length != kSystemTitleSize) {
    return tl::unexpected(
        r.error_at(p.at + p.title_offset, ErrorCode::decode,
                   "system title of " + std::to_string(*title_length) + " bytes, expected 8"));
  }
  auto title = r.bytes(kSystemTitleSize);
  if (!title) return tl::unexpected(title.error());
  p.system_title = *title;

  // ciphered-content OCTET STRING: SC, IC, payload (and tag).
  p.length_offset = r.position() - p.at;
  auto content_length = read_length(r);
  if (!content_length) return tl::unexpected(content_length.error());
  p.content_length = *content_length;
  p.content_offset = r.position() - p.at;
  if (p.content_length < kScIcSize) {
    return tl::unexpected(r.error_at(p.at + p.length_offset, ErrorCode::length,
                                     "ciphered content of " + std::to_string(p.content_length) +
                                         " bytes cannot hold SC and IC"));
  }
  return p;
}

Result<CipheringHeader> read_ciphering_header(ByteReader& r) {
  auto prefix = read_ciphering_prefix(r);
  if (!prefix) return tl::unexpected(prefix.error());
  if (r.remaining() < kScIcSize) return tl::unexpected(content_missing(r, *prefix));
  CipheringHeader h;
  h.prefix = *prefix;
  h.security.apdu_tag = prefix->tag;
  std::copy(prefix->system_title.begin(), prefix->system_title.end(),
            h.security.system_title.begin());
  h.security.control = *r.u8();                // present: checked above
  h.security.invocation_counter = *r.u32be();  // present: checked above
  return h;
}

Error content_missing(const ByteReader& r, const CipheringPrefix& prefix) {
  const std::size_t content_at = prefix.at + prefix.content_offset;
  const std::size_t present = r.all().size() - std::min(r.all().size(), content_at);
  return r.error_at(prefix.at + prefix.length_offset, ErrorCode::incomplete,
                    "ciphered content declares " + std::to_string(prefix.content_length) +
                        " bytes, " + std::to_string(present) + " present");
}

Result<std::size_t> general_protection_length(std::span<const std::uint8_t> apdu,
                                              std::size_t max_length, Layer layer) {
  ByteReader r(apdu, layer, "general protection APDU");
  auto tag = r.u8();
  if (!tag) return tl::unexpected(tag.error());
  if (!is_general_protection_tag(*tag)) {
    return tl::unexpected(r.error_at(0, ErrorCode::decode, "not a general protection tag"));
  }
  const bool signing = *tag == apdu_tag::general_signing;
  r.set_what(apdu_name(*tag));
  // The fields in order; a title is 0 or 8 bytes, a date-time 0 or 12 (their checks keep
  // noise from passing for such an APDU).
  enum class Field { octets, title, date_time, key_info };
  static constexpr std::array<Field, 7> kCiphering{Field::octets,    Field::title,  Field::title,
                                                   Field::date_time, Field::octets, Field::key_info,
                                                   Field::octets};
  static constexpr std::array<Field, 7> kSigning{Field::octets,    Field::title,  Field::title,
                                                 Field::date_time, Field::octets, Field::octets,
                                                 Field::octets};
  for (const Field field : signing ? kSigning : kCiphering) {
    Result<void> done;
    switch (field) {
      case Field::octets:
        done = skip_octet_string(r, max_length);
        break;
      case Field::title:
        done = skip_octet_string(r, max_length, {0, kSystemTitleSize});
        break;
      case Field::date_time:
        done = skip_octet_string(r, max_length, {0, kDateTimeSize});
        break;
      case Field::key_info:
        done = skip_key_info(r, max_length);
        break;
    }
    if (!done) return tl::unexpected(done.error());
    // The length octets and the key-info's fixed bytes count too: the APDU as a whole,
    // not only each field's content, must end within the limit.
    if (r.position() > max_length) {
      return tl::unexpected(r.error(
          ErrorCode::length, "ends beyond the limit of " + std::to_string(max_length) + " bytes"));
    }
  }
  return r.position();
}

}  // namespace sm::dlms
