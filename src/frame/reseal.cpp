#include "frame/reseal.h"

#include "common/crc16.h"
#include "frame/link_frames.h"

namespace sm::frame {
namespace {

constexpr std::uint8_t kMbusStart = 0x68;
constexpr std::uint8_t kHdlcFlag = 0x7E;
constexpr std::size_t kMbusHeader = 4;   // 68 L L 68
constexpr std::size_t kMbusTrailer = 2;  // CS 16

}  // namespace

void reseal_link_frames(std::span<const std::uint8_t> original, std::span<std::uint8_t> edited) {
  if (edited.size() != original.size()) return;
  const FramerLimits limits;
  std::size_t at = 0;
  while (at < original.size()) {
    const auto view = original.subspan(at);
    if (view[0] == kMbusStart) {
      link::MbusFrame mbus;
      const auto p = link::probe_mbus(view, at, limits, &mbus);
      if (p.verdict == link::Verdict::frame) {
        // CS: the sum of C..data, just before the stop byte.
        const std::size_t cs = at + p.size - kMbusTrailer;
        edited[cs] = link::mbus_checksum(edited.subspan(at + kMbusHeader, cs - at - kMbusHeader));
        at += p.size;
        continue;
      }
    } else if (view[0] == kHdlcFlag) {
      link::HdlcFrame hdlc;
      const auto p = link::probe_hdlc(view, at, false, true, limits, &hdlc);
      if (p.verdict == link::Verdict::frame && !hdlc.info.empty()) {
        // FCS: over format..information field, low byte first, right after the field.
        const std::size_t fcs = at + hdlc.info_offset + hdlc.info.size();
        const auto crc = crc16_x25(edited.subspan(at + 1, fcs - at - 1));
        edited[fcs] = static_cast<std::uint8_t>(crc & 0xFFu);
        edited[fcs + 1] = static_cast<std::uint8_t>(crc >> 8);
        // Go on at the closing flag: it may be the next frame's opening flag.
        at = fcs + 2;
        continue;
      }
    }
    ++at;
  }
}

}  // namespace sm::frame
