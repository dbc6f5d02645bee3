// Link-layer frame probes used by StreamFramer (internal to sm_frame, visible to tests).
//
// Each probe looks at the bytes buffered at one stream position and says whether a frame
// of its kind starts there: not at all, maybe (more bytes needed), a recognised frame that
// failed a check, or a complete frame. Probes never allocate from lengths read off the
// wire and read every byte bounds-checked: through ByteReader, or, where a short read only
// means "wait for more bytes" and no error text is wanted, through byte_at / bytes_at.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/annotations.h"
#include "common/byte_reader.h"
#include "common/result.h"
#include "frame/stream_framer.h"

namespace sm::frame::link {

enum class Verdict {
  need_more,  // a valid prefix so far: wait for more bytes
  no_frame,   // no frame of this kind starts here (the byte is garbage to this probe)
  corrupt,    // a frame start was recognised but a check failed: resync byte-wise
  unusable,   // a complete frame whose checks hold but whose content we cannot use
  frame,      // a complete, verified frame
};

// How sure a probe is that a failed candidate really was a frame.
enum class Confidence {
  doubtful,  // header-like bytes with a length over a limit: garbage
  framed,    // a frame start (68 L L 68 with a wrong stop byte, 7E A0xx with a wrong HCS):
             // folds into a run of garbage, but the bytes it claimed are taken to be that
             // frame's, so no bare APDU is looked for inside (a corrupt frame must not leak
             // its unverified payload)
  certain,   // header and length verified, checksum wrong: reported on its own
};

struct Probe {
  Verdict verdict{Verdict::no_frame};
  // frame/unusable: bytes the frame occupies; corrupt: bytes the frame claimed (for
  // wrapper and bare APDUs: the bytes the verdict was made on); need_more: total bytes
  // needed when known, else 0.
  std::size_t size{0};
  // corrupt/unusable: what failed (checksum | length | decode). Held apart, so that the
  // verdicts on the hot path are a few words, with no (empty) message to build.
  std::unique_ptr<Error> error;
  Confidence confidence{Confidence::doubtful};  // corrupt only
  bool header_verified{false};                  // need_more (ProbeMode::header): the header holds
  // frame: a frame of a strong framing that carries no checksum (a DSMR 2.2 telegram): the
  // loop treats it as a weak candidate (stream_framer.cpp's rule).
  bool unchecked{false};
};

// `frame`: probe the whole frame. `header`: stop once the header is verified (M-Bus:
// 68 L L 68 C A CI with a DLMS CI; HDLC: format, addresses, control and a correct HCS)
// and report need_more with header_verified set.
enum class ProbeMode { frame, header };

[[nodiscard]] inline Probe need_more(std::size_t total = 0) {
  return {Verdict::need_more, total, nullptr, Confidence::doubtful, false};
}
[[nodiscard]] inline Probe header_verified() {
  return {Verdict::need_more, 0, nullptr, Confidence::doubtful, true};
}
[[nodiscard]] inline Probe no_frame() {
  return {};
}
[[nodiscard]] inline Probe complete(std::size_t size) {
  return {Verdict::frame, size, nullptr, Confidence::certain, false};
}
[[nodiscard]] inline Probe complete_unchecked(std::size_t size) {
  Probe p = complete(size);
  p.unchecked = true;
  return p;
}
[[nodiscard]] inline Probe corrupt(ErrorCode code, std::size_t at, std::size_t claimed,
                                   Confidence confidence, std::string message) {
  return {Verdict::corrupt, claimed,
          std::make_unique<Error>(Error{code, Layer::frame, at, std::move(message)}), confidence,
          false};
}
[[nodiscard]] inline Probe unusable(ErrorCode code, std::size_t at, std::size_t size,
                                    std::string message) {
  return {Verdict::unusable, size,
          std::make_unique<Error>(Error{code, Layer::frame, at, std::move(message)}),
          Confidence::certain, false};
}

using sm::byte_at;
using sm::bytes_at;

// `bytes` for annotations and messages: printable ASCII as is, any other byte as '.'.
[[nodiscard]] std::string printable(std::span<const std::uint8_t> bytes);

// ---- M-Bus long frame (EN 13757-2) carrying a DLMS transport segment --------------------
// The M-Bus checksum: the sum of the bytes modulo 256.
[[nodiscard]] std::uint8_t mbus_checksum(std::span<const std::uint8_t> bytes) noexcept;

struct MbusFrame {
  std::uint8_t control{0};
  std::uint8_t address{0};
  std::uint8_t ci{0};                     // DLMS: low nibble sequence, 0x10 = last segment
  std::span<const std::uint8_t> payload;  // segment data after STSAP/DTSAP
  std::size_t payload_offset{0};          // relative to the frame start
};
// `out` may be null (probe only). `notes` (optional) gets the frame's annotations (space
// "stream"); they are only built when it is given.
Probe probe_mbus(std::span<const std::uint8_t> data, std::size_t at, const FramerLimits& limits,
                 MbusFrame* out, Annotations* notes = nullptr, ProbeMode mode = ProbeMode::frame);

// ---- HDLC frame format type 3 (IEC 62056-46) ---------------------------------------------
struct HdlcFrame {
  bool segmented{false};                    // segmentation bit of the format field
  std::span<const std::uint8_t> addresses;  // destination then source address, as sent
  std::uint8_t control{0};
  std::span<const std::uint8_t> info;  // information field (LLC not stripped)
  std::size_t info_offset{0};          // relative to the frame start
};
// `shared_opening_flag`: the frame starts at its format byte because its opening flag was
// the previous frame's closing flag. `stream_ended`: no more bytes will come, so a frame
// whose closing flag is missing is complete now.
Probe probe_hdlc(std::span<const std::uint8_t> data, std::size_t at, bool shared_opening_flag,
                 bool stream_ended, const FramerLimits& limits, HdlcFrame* out,
                 Annotations* notes = nullptr, ProbeMode mode = ProbeMode::frame);

// ---- LLC sub-layer (IEC 62056-46): E6 E7 00 (response) or E6 E6 00 (command) ------------
// What starts the information field of an HDLC frame's first segment, and what some HAN
// gateways and libraries pass on in front of a bare APDU.
inline constexpr std::size_t kLlcHeaderSize = 3;
inline constexpr std::uint8_t kLlcDsap = 0xE6;
inline constexpr std::uint8_t kLlcSsapResponse = 0xE7;
inline constexpr std::uint8_t kLlcSsapCommand = 0xE6;
inline constexpr std::uint8_t kLlcQuality = 0x00;
// 1..3 when `bytes` start with that much of an LLC header (all of it: 3), else 0.
[[nodiscard]] inline std::size_t llc_prefix(std::span<const std::uint8_t> bytes) noexcept {
  const bool ok =
      (bytes.size() < 1 || bytes[0] == kLlcDsap) &&
      (bytes.size() < 2 || bytes[1] == kLlcSsapResponse || bytes[1] == kLlcSsapCommand) &&
      (bytes.size() < 3 || bytes[2] == kLlcQuality);
  return ok ? std::min(bytes.size(), kLlcHeaderSize) : 0;
}
[[nodiscard]] inline bool starts_with_llc(std::span<const std::uint8_t> bytes) noexcept {
  return llc_prefix(bytes) == kLlcHeaderSize;
}
// The annotation of an LLC header at `at` (its source LSAP says response or command).
void annotate_llc(Annotations& notes, std::size_t at, std::uint8_t ssap);

// ---- Unframed APDUs and the DLMS wrapper ------------------------------------------------
struct BareApdu {
  std::span<const std::uint8_t> apdu;
  std::size_t apdu_offset{0};  // relative to the candidate start
};
// IEC 62056-47 wrapper header: version 0x0001, source wPort, destination wPort, length.
Probe probe_wrapper(std::span<const std::uint8_t> data, std::size_t at, const FramerLimits& limits,
                    BareApdu* out, Annotations* notes = nullptr);
// The ciphering APDUs of dlms/apdu_tags.h (IEC 62056-5-3): the two whose header
// dlms/ciphering.h reads (tag, system title, ciphered content: A-XDR length + SC + IC + ...),
// and the two (general-ciphering, general-signing) framed by their fields but not deciphered.
Probe probe_ciphered_apdu(std::span<const std::uint8_t> data, std::size_t at,
                          const FramerLimits& limits, BareApdu* out, Annotations* notes = nullptr);
// IEC 62056-6-2 data-notification: long-invoke-id-and-priority, date-time
// (00 | 0C + 12 | 09 0C + 12), one A-XDR value. Its end is only known by parsing the value.
Probe probe_data_notification(std::span<const std::uint8_t> data, std::size_t at,
                              const FramerLimits& limits, BareApdu* out,
                              Annotations* notes = nullptr);

// A bare ciphered APDU or data-notification behind an LLC header (E6 E7 00 + APDU).
Probe probe_llc_apdu(std::span<const std::uint8_t> data, std::size_t at, const FramerLimits& limits,
                     BareApdu* out, Annotations* notes = nullptr);

// ---- DSMR P1 telegram (text: '/' identification ... '!' CRC CR LF; frame/dsmr.cpp) --------
// The whole telegram, '/' to the final LF, is `out->apdu`. `stream_ended`: the end of the
// stream may stand for the CR LF after the CRC.
Probe probe_dsmr(std::span<const std::uint8_t> data, std::size_t at, bool stream_ended,
                 const FramerLimits& limits, BareApdu* out, Annotations* notes = nullptr);

// ---- General-Block-Transfer (IEC 62056-5-3, APDU tag 0xE0) ------------------------------
struct GbtBlock {
  bool last{false};        // block-control bit 7
  bool streaming{false};   // block-control bit 6
  std::uint8_t window{0};  // block-control bits 0..5
  std::uint16_t number{0};
  std::uint16_t acknowledged{0};
  std::size_t length_field_size{0};
  std::size_t data_offset{0};  // relative to the APDU start
  std::span<const std::uint8_t> data;
};
// `at` is only used for error offsets.
Result<GbtBlock> parse_gbt_block(std::span<const std::uint8_t> apdu, std::size_t at);

}  // namespace sm::frame::link
