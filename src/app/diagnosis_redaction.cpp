#include "app/diagnosis_redaction.h"

#include <algorithm>
#include <optional>
#include <variant>

#include "common/hex.h"
#include "dlms/ciphering.h"
#include "frame/reseal.h"
#include "source/capture.h"

namespace sm::app {
namespace diag {
namespace {

std::optional<std::size_t> find_bytes(std::span<const std::uint8_t> hay,
                                      std::span<const std::uint8_t> needle, bool last = false) {
  if (needle.empty() || needle.size() > hay.size()) return std::nullopt;
  auto it = last ? std::find_end(hay.begin(), hay.end(), needle.begin(), needle.end())
                 : std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  if (it == hay.end()) return std::nullopt;
  return static_cast<std::size_t>(it - hay.begin());
}

void mask(std::vector<std::uint8_t>& bytes, std::size_t from, std::size_t count) {
  if (from >= bytes.size()) return;
  std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(from),
              std::min(count, bytes.size() - from), kRedactedByte);
}

// Registers that name the meter or its owner: device ids (C=0, D=0: 0.0.0.0.x), the meter
// and equipment ids (0.0.96.1.x, any A) and the COSEM logical device name (0.0.42.0.0).
bool is_identity_register(const cosem::Obis& code) {
  const auto& v = code.v;
  return (v[2] == 96 && v[3] == 1) || (v[2] == 42 && v[3] == 0 && v[4] == 0) ||
         (v[2] == 0 && v[3] == 0);
}

}  // namespace

std::string redacted_capture_text(const TrialAnalysis& best) {
  if (best.stream().empty()) return "";
  std::string out(source::kCaptureHeader);
  out += "\n";
  const SeenFrame* chosen = nullptr;
  for (const auto& f : best.frames) {
    if (chosen == nullptr || (chosen->fate != Fate::decoded && f.fate == Fate::decoded))
      chosen = &f;
  }
  if (chosen == nullptr) {
    const std::size_t n = std::min<std::size_t>(best.stream().size(), 256);
    out += "# no frame was found, so nothing could be located and masked: the first " +
           std::to_string(n) + " bytes as received\n";
    return out + source::format_capture_line(microseconds{0}, best.stream().first(n));
  }
  std::vector<std::string> identifiers;
  if (const auto* d = std::get_if<pipeline::DecodedFrame>(&chosen->outcome)) {
    if (d->reading.meter_id) identifiers.push_back(d->reading.meter_id->str());
    if (d->reading.device_name) identifiers.push_back(d->reading.device_name->str());
    for (const auto& r : d->reading.registers) {
      if (!r.text || !is_identity_register(r.obis)) continue;
      identifiers.push_back(r.text->str());
      // An octet string shown as hex is in the frame as its bytes.
      if (auto bytes = parse_hex(r.text->view())) {
        identifiers.emplace_back(bytes->begin(), bytes->end());
      }
    }
  }
  const std::size_t from = std::min(chosen->apdu.stream_offset, best.stream().size());
  const auto stream = best.stream().subspan(
      from, std::min(chosen->apdu.stream_length, best.stream().size() - from));
  out +=
      "# redacted by smartmeter_exporter diagnose: system title serial number, invocation "
      "counter, authentication tag and meter number masked with 00; checksums recomputed. "
      "Frames still frame but no longer decrypt.\n";
  return out + source::format_capture_line(microseconds{0},
                                           redact_push(stream, chosen->apdu.bytes, identifiers));
}

}  // namespace diag

std::vector<std::uint8_t> redact_push(std::span<const std::uint8_t> stream,
                                      std::span<const std::uint8_t> apdu,
                                      std::span<const std::string> clear_identifiers) {
  using namespace diag;  // NOLINT: the masking helpers above
  std::vector<std::uint8_t> out(stream.begin(), stream.end());
  if (const auto cipher = parse_cipher_header(apdu)) {
    // The header sits in the first link frame, in one piece: find it by its first bytes.
    const std::size_t title_end = cipher->title_offset + dlms::kSystemTitleSize;
    if (const auto at = find_bytes(stream, apdu.first(title_end))) {
      mask(out, *at + cipher->title_offset + kTitleFlagBytes,
           dlms::kSystemTitleSize - kTitleFlagBytes);
      const std::size_t ic = *at + cipher->ic_offset;
      if (ic + 4 <= stream.size() &&
          std::equal(apdu.begin() + static_cast<std::ptrdiff_t>(cipher->ic_offset),
                     apdu.begin() + static_cast<std::ptrdiff_t>(cipher->ic_offset + 4),
                     stream.begin() + static_cast<std::ptrdiff_t>(ic))) {
        mask(out, ic, 4);
      }
    }
    if (cipher->has_tag && apdu.size() >= kTagBytes) {
      if (const auto at = find_bytes(stream, apdu.last(kTagBytes), true)) mask(out, *at, kTagBytes);
    }
  }
  for (const auto& id : clear_identifiers) {
    if (id.size() < 4) continue;  // too short to find without hitting other bytes
    const std::vector<std::uint8_t> needle(id.begin(), id.end());
    std::size_t from = 0;
    while (auto at = find_bytes(stream.subspan(from), needle)) {
      mask(out, from + *at, needle.size());
      from += *at + needle.size();
    }
  }
  frame::reseal_link_frames(stream, out);
  return out;
}

}  // namespace sm::app
