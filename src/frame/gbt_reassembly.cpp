// General-Block-Transfer reassembly (IEC 62056-5-3, APDU tag 0xE0; the block format is
// parsed in gbt.cpp): L+G E450 splits one ciphered APDU over blocks 1..n, each carried by
// a complete link-layer unit (an HDLC frame or a reassembled segment run). The blocks'
// data is joined in block order; bit 0x80 of block-control marks the last.
#include <iterator>
#include <string>

#include "frame/framer_state.h"
#include "frame/reassembly.h"

namespace sm::frame::detail {

void Framer::on_gbt_block(const UnitView& u) {
  const auto block = link::parse_gbt_block(u.bytes, u.stream_offset);
  if (!block) {
    gbt_unparsed(u, block.error());
    return;
  }
  if (annotating) annotate_gbt_block(u, *block);

  if (gbt.active && block->number != gbt.next) gbt_out_of_order(block->number);
  if (!gbt.active) {
    if (block->number != 1) {
      gbt_without_first(u, block->number);
      return;
    }
    start(gbt, u.link, u.stream_offset);
  }
  Unit& g = gbt.unit;
  g.stream_end = u.stream_end;
  if (block->number > limits.max_segments ||
      g.bytes.size() + block->data.size() > limits.max_apdu) {
    gbt_over_limits(block->number);
    return;
  }
  g.bytes.insert(g.bytes.end(), block->data.begin(), block->data.end());
  g.frames += u.frames;
  if (!u.notes->empty()) {
    g.notes.insert(g.notes.end(), std::make_move_iterator(u.notes->begin()),
                   std::make_move_iterator(u.notes->end()));
  }
  if (block->last) {
    emit(g.view());
    gbt.reset();
  } else {
    gbt.next = block->number + 1u;
  }
}

void Framer::gbt_unparsed(const UnitView& u, const Error& error) {
  report(error.code, u.stream_offset, u.stream_end - u.stream_offset,
         error.message + "; block dropped");
}
void Framer::gbt_out_of_order(unsigned number) {
  drop(gbt, ErrorCode::decode,
       "General-Block-Transfer block " + std::to_string(number) + " arrived where block " +
           std::to_string(gbt.next) + " was expected; partial APDU dropped");
}
void Framer::gbt_without_first(const UnitView& u, unsigned number) {
  report(
      ErrorCode::decode, u.stream_offset, u.stream_end - u.stream_offset,
      "General-Block-Transfer block " + std::to_string(number) + " without block 1; block dropped");
}
void Framer::gbt_over_limits(unsigned number) {
  if (number > limits.max_segments) {
    drop(gbt, ErrorCode::length,
         "General-Block-Transfer of more than " + std::to_string(limits.max_segments) +
             " blocks; partial APDU dropped");
    return;
  }
  drop(gbt, ErrorCode::length,
       "General-Block-Transfer APDU exceeds the limit of " + std::to_string(limits.max_apdu) +
           " bytes; partial APDU dropped");
}

}  // namespace sm::frame::detail
