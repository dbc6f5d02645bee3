// General-Block-Transfer APDU (IEC 62056-5-3 / Green Book, APDU "general-block-
// transfer" [224]): E0 | block-control | block-number (2) | block-number-ack (2) |
// block-data (A-XDR octet-string). block-control: bit 7 last block, bit 6 streaming,
// bits 0..5 window size. L+G E450 meters split one (ciphered) APDU over several blocks,
// each in its own HDLC frame.
#include "common/byte_reader.h"
#include "dlms/axdr.h"
#include "frame/link_frames.h"

namespace sm::frame::link {

Result<GbtBlock> parse_gbt_block(std::span<const std::uint8_t> apdu, std::size_t at) {
  ByteReader r(apdu, Layer::frame, "General-Block-Transfer", at);
  if (auto tag = r.expect(0xE0, "APDU tag"); !tag) return tl::unexpected(tag.error());
  auto control = r.u8();
  if (!control) return tl::unexpected(control.error());
  auto number = r.u16be();
  if (!number) return tl::unexpected(number.error());
  auto acknowledged = r.u16be();
  if (!acknowledged) return tl::unexpected(acknowledged.error());
  const std::size_t length_pos = r.position();
  auto length = dlms::read_length(r);
  if (!length) return tl::unexpected(length.error());
  GbtBlock block;
  block.last = (*control & 0x80u) != 0;
  block.streaming = (*control & 0x40u) != 0;
  block.window = static_cast<std::uint8_t>(*control & 0x3Fu);
  block.number = *number;
  block.acknowledged = *acknowledged;
  block.length_field_size = r.position() - length_pos;
  block.data_offset = r.position();
  if (*length != r.remaining()) {
    return tl::unexpected(
        r.error(ErrorCode::length, "block-data length " + std::to_string(*length) + " but " +
                                       std::to_string(r.remaining()) + " bytes follow"));
  }
  block.data = r.rest();
  return block;
}

}  // namespace sm::frame::link
