// Re-sealing link frames whose content was edited (diagnose's redaction masks identifiers
// inside frames and must hand out frames that still frame).
#pragma once

#include <cstdint>
#include <span>

namespace sm::frame {

// Finds the M-Bus long frames and HDLC frames of `original` with the framer's own probes
// (so only frames whose checks hold there) and writes into `edited` — the same bytes with
// some of them changed, never the frames' headers — the checksum each of those frames now
// needs: the M-Bus checksum (EN 13757-2) and the HDLC FCS (CRC-16/X.25). The sizes must
// match; other bytes are left as they are.
void reseal_link_frames(std::span<const std::uint8_t> original, std::span<std::uint8_t> edited);

}  // namespace sm::frame
