// The A-XDR tag table and the reading of one value's header (tag and length), shared by
// the cursor (dlms/axdr_cursor.h), the tree decoder and tag_name() (axdr.cpp). Internal to
// the DLMS layer: other layers read A-XDR through AxdrCursor or decode_value().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/byte_reader.h"
#include "common/result.h"
#include "dlms/axdr.h"

namespace sm::dlms::axdr_detail {

// How a tag's content is laid out on the wire.
enum class Kind : std::uint8_t {
  null,          // no content
  container,     // A-XDR length = element count, then the elements (array, structure)
  boolean,       // 1 byte, 0 = false
  bits,          // A-XDR length in BITS, then ceil(bits / 8) bytes
  octets,        // A-XDR length in bytes, then the bytes
  signed_int,    // `width` bytes, two's complement, big-endian
  unsigned_int,  // `width` bytes, big-endian
  floating,      // `width` bytes, IEEE 754 big-endian (4 or 8)
  fixed_octets,  // `width` bytes kept as octets (date-time 12, date 5, time 4)
};

struct TagInfo {
  Tag tag;
  std::string_view name;
  Kind kind;
  std::uint8_t width;  // content bytes for fixed-size kinds; 0 when length-prefixed
};

// Blue Book 4.1.5, Data ::= CHOICE (the tags a customer-interface push can carry).
// bcd [13] is one byte (Integer8 in the ASN.1); we keep the raw byte, unsigned.
inline constexpr std::array<TagInfo, 23> kTagTable{{
    {Tag::null_data, "null", Kind::null, 0},
    {Tag::array, "array", Kind::container, 0},
    {Tag::structure, "structure", Kind::container, 0},
    {Tag::boolean, "boolean", Kind::boolean, 1},
    {Tag::bit_string, "bit-string", Kind::bits, 0},
    {Tag::int32, "int32", Kind::signed_int, 4},
    {Tag::uint32, "uint32", Kind::unsigned_int, 4},
    {Tag::octet_string, "octet-string", Kind::octets, 0},
    {Tag::visible_string, "visible-string", Kind::octets, 0},
    {Tag::utf8_string, "utf8-string", Kind::octets, 0},
    {Tag::bcd, "bcd", Kind::unsigned_int, 1},
    {Tag::int8, "int8", Kind::signed_int, 1},
    {Tag::int16, "int16", Kind::signed_int, 2},
    {Tag::uint8, "uint8", Kind::unsigned_int, 1},
    {Tag::uint16, "uint16", Kind::unsigned_int, 2},
    {Tag::int64, "int64", Kind::signed_int, 8},
    {Tag::uint64, "uint64", Kind::unsigned_int, 8},
    {Tag::enum_, "enum", Kind::unsigned_int, 1},
    {Tag::float32, "float32", Kind::floating, 4},
    {Tag::float64, "float64", Kind::floating, 8},
    {Tag::date_time, "date-time", Kind::fixed_octets, 12},
    {Tag::date, "date", Kind::fixed_octets, 5},
    {Tag::time, "time", Kind::fixed_octets, 4},
}};

// Byte value -> index into kTagTable (kNoTag when not a tag), generated from the table.
inline constexpr std::uint8_t kNoTag = 0xFF;
inline constexpr std::array<std::uint8_t, 256> kTagIndex = [] {
  std::array<std::uint8_t, 256> index{};
  for (auto& i : index) i = kNoTag;
  for (std::size_t i = 0; i < kTagTable.size(); ++i) {
    index[static_cast<std::uint8_t>(kTagTable[i].tag)] = static_cast<std::uint8_t>(i);
  }
  return index;
}();

constexpr const TagInfo* find_tag(std::uint8_t byte) noexcept {
  const std::uint8_t i = kTagIndex[byte];
  return i == kNoTag ? nullptr : &kTagTable[i];
}

static_assert(kTagIndex[0x12] != kNoTag && kTagTable[kTagIndex[0x12]].width == 2,
              "uint16 is 2 bytes");
static_assert(kTagIndex[0x07] == kNoTag, "0x07 (old floating-point) is not a tag we accept");

// The header of one encoded value: its tag and how much follows.
struct Header {
  const TagInfo* info{nullptr};
  std::size_t start{0};  // reader position of the tag byte
  std::size_t count{0};  // container: element count; otherwise: content bytes
  std::size_t bits{0};   // bit-string only: length in bits
};

// Reads a tag and, for variable kinds, its A-XDR length; checks every length against
// the limits and (for containers) against the bytes that remain. Nothing is allocated.
// This is the complete check with every error (axdr_cursor.cpp); read_header_fast() takes
// a shortcut for the common well-formed headers first.
Result<Header> read_header_checked(ByteReader& r, const AxdrLimits& limits);

// The shortcut for the headers of nearly every value: a known tag with a fixed width,
// or a container / octet-string with a short-form length (< 0x80) within the limits.
// It succeeds only where read_header_checked() succeeds with the same header and reader
// position; for anything else it leaves the reader untouched and returns false, and the
// caller runs read_header_checked(), so every error comes from one place.
[[gnu::always_inline]] inline bool read_header_fast(ByteReader& r, const AxdrLimits& limits,
                                                    Header& h) {
  const auto rest = r.rest();
  if (rest.empty()) return false;
  const TagInfo* info = find_tag(rest[0]);
  if (info == nullptr) return false;
  switch (info->kind) {
    case Kind::container:
      // Every element takes at least one byte (its tag).
      if (rest.size() < 2 || rest[1] >= 0x80 || rest[1] > limits.max_elements ||
          rest[1] > rest.size() - 2) {
        return false;
      }
      h.count = rest[1];
      break;
    case Kind::octets:
      if (rest.size() < 2 || rest[1] >= 0x80 || rest[1] > limits.max_string_length) return false;
      h.count = rest[1];
      break;
    case Kind::bits:
      return false;  // rare; its length counts bits
    default:
      h.count = info->width;
      break;
  }
  h.info = info;
  h.start = r.position();
  h.bits = 0;
  (void)r.try_skip(info->kind == Kind::container || info->kind == Kind::octets ? 2 : 1);
  return true;
}

}  // namespace sm::dlms::axdr_detail
