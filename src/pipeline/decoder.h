// Decoder: the whole decoding path in one object — bytes -> frames -> unprotected APDU ->
// data-notification -> Reading. Pure (no I/O, no clock); used by `decode`, `diagnose`,
// the exporter and the benchmarks alike, so all of them see the same errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "common/annotations.h"
#include "common/result.h"
#include "cosem/decode.h"
#include "cosem/reading.h"
#include "dlms/axdr.h"
#include "dlms/security.h"
#include "frame/frame.h"
#include "frame/stream_framer.h"

namespace sm::pipeline {

struct DecoderOptions {
  dlms::Keys keys;
  cosem::DecodeOptions cosem;
  frame::FramerLimits framer;
  dlms::AxdrLimits axdr;
  bool explain = false;  // collect annotations of every layer (decode --format explain)
};

struct DecodedFrame {
  frame::LinkType link{frame::LinkType::raw};
  std::size_t stream_offset{0};
  std::size_t stream_length{0};
  std::size_t link_frames{0};
  std::optional<dlms::SecurityHeader> security;  // nullopt: plaintext APDU
  bool tag_verified{false};
  cosem::Reading reading;
  Annotations notes;                    // only with explain
  std::vector<std::uint8_t> apdu;       // only with explain: the APDU as framed
  std::vector<std::uint8_t> plaintext;  // only with explain: the deciphered APDU
};

struct FrameFailure {
  Error error;
  std::optional<frame::LinkType> link;  // nullopt: failed before a frame was found
  std::size_t stream_offset{0};
  std::size_t stream_length{0};
  std::optional<dlms::SecurityHeader> security;  // what the ciphering header said, if read
  Annotations notes;                             // only with explain
};

using Outcome = std::variant<DecodedFrame, FrameFailure>;

class Decoder {
 public:
  explicit Decoder(DecoderOptions options);

  std::vector<Outcome> push(std::span<const std::uint8_t> bytes);
  // push() into `out`, replacing the outcomes it held. Their storage is reused (the
  // list, a Reading's register list, the APDU buffer): a steady stream of pushes into
  // the same list allocates nothing once warm. The exporter decodes this way.
  void push(std::span<const std::uint8_t> bytes, std::vector<Outcome>& out);
  std::vector<Outcome> finish();
  void reset();

  // Decodes one framed APDU (all layers above the link layer).
  [[nodiscard]] Outcome decode_apdu(frame::Apdu apdu) const;

  [[nodiscard]] const DecoderOptions& options() const noexcept { return options_; }
  // Bytes of an unfinished frame held by the framer (0 between frames).
  [[nodiscard]] std::size_t bytes_buffered() const noexcept { return framer_.bytes_buffered(); }

 private:
  // Storage kept from one APDU to the next (capacity only).
  struct Buffers {
    std::vector<std::uint8_t> plaintext;     // the plaintext of the last APDU
    std::vector<cosem::Register> registers;  // a Reading's register list, recycled
  };

  // Appends the Outcomes of the framer's events to `out`.
  void convert(std::vector<frame::FrameEvent>& events, std::vector<Outcome>& out);
  // `out` emptied, what of its storage the next outcomes can use kept in buffers_.
  void recycle(std::vector<Outcome>& out);
  // Appends the Outcome of one APDU to `out`. `buffers` (optional): storage the
  // plaintext and the Reading reuse; the plaintext's is given back.
  void decode_apdu_into(frame::Apdu&& apdu, std::vector<Outcome>& out, Buffers* buffers) const;

  // Appends the Outcome of a DSMR telegram (LinkType::dsmr) to `out`.
  void decode_telegram(frame::Apdu&& apdu, std::vector<Outcome>& out, Annotations&& notes) const;

  // The plaintext -> Reading of everything but the direct path (DSMR, the value tree).
  Result<void> decode_general(std::span<const std::uint8_t> plaintext, Annotations* sink,
                              cosem::Reading& out) const;

  DecoderOptions options_;
  frame::StreamFramer framer_;
  std::vector<frame::FrameEvent> events_;  // the framer's events of one push (capacity kept)
  Buffers buffers_;
};

}  // namespace sm::pipeline
