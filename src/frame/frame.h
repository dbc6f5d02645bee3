// Link-layer output: one complete APDU (segments and GBT blocks already reassembled),
// or a framing error with the number of bytes skipped to resync.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/annotations.h"
#include "common/result.h"

namespace sm::frame {

// dsmr: a DSMR P1 text telegram; its Apdu::bytes are the telegram ('/' .. CR LF).
enum class LinkType { mbus, hdlc, wrapper, raw, dsmr };

[[nodiscard]] constexpr std::string_view to_string(LinkType t) noexcept {
  switch (t) {
    case LinkType::mbus:
      return "mbus";
    case LinkType::hdlc:
      return "hdlc";
    case LinkType::wrapper:
      return "wrapper";
    case LinkType::raw:
      return "raw";
    case LinkType::dsmr:
      return "dsmr";
  }
  return "raw";
}

using sm::Annotation;
using sm::Annotations;

struct Apdu {
  LinkType link{LinkType::raw};
  std::vector<std::uint8_t> bytes;  // the complete APDU (e.g. DB…, 0F…, E0 stripped); dsmr: text
  std::size_t stream_offset{0};     // offset of the first byte of the first frame
  std::size_t stream_length{0};     // bytes consumed from the stream, all segments
  std::size_t link_frames{0};       // link frames/segments/blocks that made it
  Annotations notes;                // link-layer annotations (space "stream")
};

struct FrameError {
  Error error;                // code: checksum | length | incomplete | decode (garbage)
  std::size_t stream_offset;  // where the bad bytes started
  std::size_t skipped;        // bytes discarded to resync
};

using FrameEvent = std::variant<Apdu, FrameError>;

}  // namespace sm::frame
