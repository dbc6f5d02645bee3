// General-Block-Transfer APDU (IEC 62056-5-3 / Green Book, APDU "general-block-
// transfer" [224]): E0 | block-control | block-number (2) | block-number-ack (2) |
// block-data (A-XDR octet-string). block-control: bit 7 last block, bit 6 streaming,
// bits 0..5 window size. L+G E450 meters split one (ciphered) APDU over several blocks,
// each in its own HDLC frame.
#include "common/byte_reader.h"
#include "common/endian.h"
#include "dlms/axdr.h"
#include "frame/link_frames.h"

namespace sm::frame::link {
namespace {

constexpr std::uint8_t kTag = 0xE0;
constexpr std::size_t kFixedFields = 6;  // tag, block-control, block-number, block-number-ack

GbtBlock make_block(std::span<const std::uint8_t> apdu, std::size_t length_field_size) {
  const std::uint8_t control = apdu[1];
  GbtBlock block;
  block.last = (control & 0x80u) != 0;
  block.streaming = (control & 0x40u) != 0;
  block.window = static_cast<std::uint8_t>(control & 0x3Fu);
  block.number = load_be<std::uint16_t>(&apdu[2]);
  block.acknowledged = load_be<std::uint16_t>(&apdu[4]);
  block.length_field_size = length_field_size;
  block.data_offset = kFixedFields + length_field_size;
  block.data = apdu.subspan(block.data_offset);
  return block;
}

// Any other shape, and every error, through a reader (out of line: rare).
[[gnu::cold, gnu::noinline]] Result<GbtBlock> parse_slowly(std::span<const std::uint8_t> apdu,
                                                           std::size_t at) {
  ByteReader r(apdu, Layer::frame, "General-Block-Transfer", at);
  if (auto tag = r.expect(kTag, "APDU tag"); !tag) return tl::unexpected(tag.error());
  if (auto control = r.u8(); !control) return tl::unexpected(control.error());
  if (auto number = r.u16be(); !number) return tl::unexpected(number.error());
  if (auto acknowledged = r.u16be(); !acknowledged) return tl::unexpected(acknowledged.error());
  auto length = dlms::read_length(r);
  if (!length) return tl::unexpected(length.error());
  if (*length != r.remaining()) {
    return tl::unexpected(
        r.error(ErrorCode::length, "block-data length " + std::to_string(*length) + " but " +
                                       std::to_string(r.remaining()) + " bytes follow"));
  }
  return make_block(apdu, r.position() - kFixedFields);
}

}  // namespace

[[gnu::hot]] Result<GbtBlock> parse_gbt_block(std::span<const std::uint8_t> apdu, std::size_t at) {
  // The shape of nearly every block, checked without building a reader: the fixed fields
  // and a one-byte length that matches the bytes that follow.
  if (apdu.size() > kFixedFields && apdu[0] == kTag && apdu[kFixedFields] < 0x80 &&
      apdu[kFixedFields] == apdu.size() - kFixedFields - 1) [[likely]] {
    return make_block(apdu, 1);
  }
  return parse_slowly(apdu, at);
}

}  // namespace sm::frame::link
