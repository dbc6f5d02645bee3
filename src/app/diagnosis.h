// The stage verdicts of `smartmeter_exporter diagnose`, as pure code over bytes: what a
// source delivered (one Trial per serial format / baud rate tried, or one for a TCP
// stream or a capture file) goes in, a Diagnosis with one verdict per stage, the decoded
// values and a redacted capture comes out. diagnose_command.cpp only reads the source.
//
// Stages, in order: bytes received, serial format, link layer, ciphering header,
// decryption, values. A stage that cannot be judged because an earlier one failed is
// `skipped`, so the first FAIL is the one to act on.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/decoder.h"
#include "source/capture.h"

namespace sm::app {

enum class SourceKind { serial, tcp, file };

// What one listening period delivered.
struct Trial {
  std::string label;             // "8E1 2400", "tcp host:port", "capture file"
  source::CaptureChunks chunks;  // offsets since the start of the trial
  std::chrono::milliseconds listened{0};
  std::vector<std::string> open_errors;  // why the source could not open or lost the stream
};

struct DiagnosisInput {
  SourceKind kind{SourceKind::file};
  std::string source;  // the source's describe()
  std::vector<Trial> trials;
};

enum class Verdict { ok, warn, fail, skipped };
[[nodiscard]] std::string_view to_string(Verdict verdict) noexcept;  // "OK", "WARN", ...

struct StageReport {
  std::string stage;  // "Bytes received"
  Verdict verdict{Verdict::skipped};
  std::vector<std::string> findings;  // plain-language lines
  std::string next_step;              // empty when there is nothing to do
};

struct Diagnosis {
  std::vector<StageReport> stages;
  bool values_decoded{false};
  std::string values_text;       // the last decoded frame, as `decode --format text` prints it
  std::string redacted_capture;  // a timed capture of one push, identifiers masked
};

// Masked bytes in a redacted capture read as this value.
inline constexpr std::uint8_t kRedactedByte = 0x00;

// Runs every stage. `options` carries the keys (only their fingerprints are reported).
[[nodiscard]] Diagnosis diagnose(const DiagnosisInput& input,
                                 const pipeline::DecoderOptions& options);

// The report as printed: one block per stage, the values, the redacted capture.
[[nodiscard]] std::string format_diagnosis(const Diagnosis& diagnosis);

// Masks one push (its link frames as they were received) for a bug report: the serial
// part of the system title (the manufacturer letters stay), the invocation counter, the
// authentication tag, and every occurrence of the strings in `clear_identifiers` (meter
// number, device name of unencrypted frames). M-Bus checksums and HDLC FCS are
// recomputed so the redacted frames still frame; they no longer decrypt.
[[nodiscard]] std::vector<std::uint8_t> redact_push(std::span<const std::uint8_t> stream,
                                                    std::span<const std::uint8_t> apdu,
                                                    std::span<const std::string> clear_identifiers);

}  // namespace sm::app
