// Link-layer annotations for `decode --format explain` that the framer adds to what the
// probes annotate: the APDU bytes of M-Bus/HDLC frames and segments, and the fields of
// General-Block-Transfer blocks. Built only when the framer annotates (Annotate::yes),
// out of line: they cost more than framing itself.
#include <algorithm>
#include <string>

#include "frame/framer_state.h"

namespace sm::frame::detail {
namespace {

// Annotates unit bytes [from, from + length) at their stream offsets (a field that
// straddles two segments gets one annotation per piece).
void annotate_range(const UnitView& u, std::size_t from, std::size_t length, std::string_view layer,
                    const std::string& meaning) {
  for (const Piece& p : u.pieces) {
    const std::size_t lo = std::max(from, p.unit_offset);
    const std::size_t hi = std::min(from + length, p.unit_offset + p.length);
    if (lo < hi) {
      annotate(u.notes, "stream", p.stream_offset + (lo - p.unit_offset), hi - lo, layer, meaning);
    }
  }
}

}  // namespace

// Bare APDUs were annotated by their probe, link-layer ones get their APDU bytes here.
void Framer::annotate_apdu(const UnitView& u) {
  const std::string total = std::to_string(u.bytes.size());
  const bool split = u.pieces.size() > 1;
  for (const Piece& p : u.pieces) {
    annotate(u.notes, "stream", p.stream_offset, p.length, to_string(u.link),
             split ? "APDU bytes " + std::to_string(p.unit_offset) + ".." +
                         std::to_string(p.unit_offset + p.length - 1) + " of " + total
                   : "APDU (" + total + " bytes)");
  }
}

void Framer::annotate_gbt_block(const UnitView& u, const link::GbtBlock& block) const {
  const std::size_t assembled = gbt.active ? gbt.unit.bytes.size() : 0;
  annotate_range(u, 0, 1, "gbt", "general-block-transfer 0xE0");
  annotate_range(u, 1, 1, "gbt",
                 "block-control: " + std::string(block.last ? "last block" : "more blocks follow") +
                     (block.streaming ? ", streaming" : "") + ", window " +
                     std::to_string(block.window));
  annotate_range(u, 2, 2, "gbt", "block-number " + std::to_string(block.number));
  annotate_range(u, 4, 2, "gbt", "block-number-ack " + std::to_string(block.acknowledged));
  annotate_range(u, 6, block.length_field_size, "gbt",
                 "block-data length " + std::to_string(block.data.size()));
  if (!block.data.empty()) {
    annotate_range(u, block.data_offset, block.data.size(), "gbt",
                   "block data: APDU bytes " + std::to_string(assembled) + ".." +
                       std::to_string(assembled + block.data.size() - 1));
  }
}

}  // namespace sm::frame::detail
