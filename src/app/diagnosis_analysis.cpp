#include "app/diagnosis_analysis.h"

#include <tuple>
#include <utility>
#include <variant>

#include "common/byte_reader.h"
#include "dlms/ciphering.h"

namespace sm::app::diag {
namespace {

Fate fate_of(const pipeline::Outcome& outcome, bool ciphered) {
  const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome);
  if (failure == nullptr) return Fate::decoded;
  switch (failure->error.code) {
    case ErrorCode::key:
      return Fate::no_key;
    case ErrorCode::decrypt:
      return Fate::wrong_key;
    case ErrorCode::auth:
      return Fate::auth;
    default:
      break;
  }
  // unprotect() failed before it could say what the header holds: the ciphered APDU
  // itself is malformed (truncated, bad length), i.e. framing is broken.
  const bool malformed = failure->error.code != ErrorCode::unsupported;
  if (ciphered && !failure->security && malformed) return Fate::cipher_broken;
  return Fate::content;
}

// M-Bus and HDLC frames passed a checksum. A bare APDU has none: damaged bytes can still
// hold a plausible ciphering header, so it proves the format only when its content does.
bool proves_format(const SeenFrame& f) {
  if (f.apdu.link != frame::LinkType::raw) return true;
  return f.fate != Fate::wrong_key && f.fate != Fate::cipher_broken;
}

}  // namespace

std::optional<CipherHeader> parse_cipher_header(std::span<const std::uint8_t> apdu) {
  if (!dlms::is_ciphered(apdu)) return std::nullopt;
  ByteReader r(apdu, Layer::dlms, "ciphering header");
  const auto parsed = dlms::read_ciphering_header(r);
  if (!parsed) return std::nullopt;
  CipherHeader c;
  c.header = parsed->security;
  c.title_offset = parsed->prefix.title_offset + 1;
  c.ic_offset = parsed->ic_offset();
  c.has_tag = c.header.authenticated() && c.header.encrypted();
  return c;
}

TrialAnalysis analyse(const Trial& trial, const pipeline::Decoder& decoder,
                      const frame::FramerLimits& limits) {
  TrialAnalysis a;
  a.trial = &trial;
  frame::StreamFramer framer(limits, frame::Annotate::no);
  std::vector<frame::FrameEvent> events;
  auto take = [&](microseconds arrival) {
    for (auto& event : events) {
      if (auto* apdu = std::get_if<frame::Apdu>(&event)) {
        SeenFrame seen;
        seen.cipher = parse_cipher_header(apdu->bytes);
        seen.outcome = decoder.decode_apdu(*apdu);
        seen.fate = fate_of(seen.outcome, dlms::is_ciphered(apdu->bytes));
        seen.apdu = std::move(*apdu);
        seen.arrival = arrival;
        if (seen.fate == Fate::decoded) ++a.decoded;
        if (proves_format(seen)) ++a.valid;
        a.frames.push_back(std::move(seen));
        continue;
      }
      const auto& error = std::get<frame::FrameError>(event);
      switch (error.error.code) {
        case ErrorCode::checksum:
          ++a.checksum_errors;
          break;
        case ErrorCode::length:
          ++a.length_errors;
          break;
        case ErrorCode::incomplete:
          ++a.incomplete;
          break;
        default:
          a.noise_bytes += error.skipped;
          break;
      }
    }
  };
  for (const auto chunk : trial.chunks) {
    framer.push(chunk.bytes, events);
    take(chunk.offset);
  }
  framer.finish(events);
  take(trial.chunks.empty() ? microseconds{0} : trial.chunks.back().offset);
  return a;
}

bool better(const TrialAnalysis& a, const TrialAnalysis& b) {
  const auto key = [](const TrialAnalysis& t) {
    return std::tuple(t.decoded, t.valid, t.pass_percent(), t.frames.size(), t.stream().size());
  };
  return key(a) > key(b);
}

}  // namespace sm::app::diag
