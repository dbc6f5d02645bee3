// `diagnose`, internal: what one trial's bytes hold — the framed APDUs with their
// ciphering header and fate, and the counts of failed checks (see diagnosis.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "app/diagnosis.h"
#include "dlms/security.h"
#include "frame/stream_framer.h"
#include "pipeline/decoder.h"

namespace sm::app::diag {

using std::chrono::microseconds;

// A ciphering header (dlms/ciphering.h) and where its fields sit in the APDU.
struct CipherHeader {
  dlms::SecurityHeader header;
  std::size_t title_offset{0};  // the system title's first byte
  std::size_t ic_offset{0};
  bool has_tag{false};  // SC bit 0x10 with encryption: a 12-byte GCM tag ends the APDU
};

constexpr std::size_t kTitleFlagBytes = 3;  // the manufacturer letters stay readable
constexpr std::size_t kTagBytes = 12;

std::optional<CipherHeader> parse_cipher_header(std::span<const std::uint8_t> apdu);

// What happened to one framed APDU.
enum class Fate { decoded, no_key, wrong_key, auth, cipher_broken, content };

struct SeenFrame {
  frame::Apdu apdu;
  microseconds arrival{0};  // arrival of the chunk that completed it
  pipeline::Outcome outcome;
  std::optional<CipherHeader> cipher;
  Fate fate{Fate::decoded};
};

struct TrialAnalysis {
  const Trial* trial{nullptr};
  std::vector<SeenFrame> frames;
  std::size_t checksum_errors{0};
  std::size_t length_errors{0};
  std::size_t noise_bytes{0};
  std::size_t incomplete{0};
  std::size_t decoded{0};
  std::size_t valid{0};  // frames that prove the byte format right (see proves_format)

  // Every byte the trial delivered, in order.
  [[nodiscard]] std::span<const std::uint8_t> stream() const { return trial->chunks.all_bytes(); }
  [[nodiscard]] std::size_t failed_checks() const { return checksum_errors + length_errors; }
  [[nodiscard]] int pass_percent() const {
    const std::size_t all = valid + failed_checks();
    return all == 0 ? 0 : static_cast<int>((valid * 100 + all / 2) / all);
  }
};

// Frames and decodes one trial's bytes as the exporter would.
TrialAnalysis analyse(const Trial& trial, const pipeline::Decoder& decoder,
                      const frame::FramerLimits& limits);

// The trial that looks most like the meter's real format.
bool better(const TrialAnalysis& a, const TrialAnalysis& b);

}  // namespace sm::app::diag
