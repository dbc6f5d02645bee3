// The stage verdicts of `diagnose` over the real vectors and over broken inputs.
#include "app/diagnosis.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "app/keys.h"
#include "common/hex.h"
#include "source/capture.h"

namespace sm::app {
namespace {

namespace fs = std::filesystem;
using std::chrono::microseconds;
using std::chrono::milliseconds;

const fs::path kVectors = fs::path(SM_TEST_DATA) / "vectors";
const fs::path kTinetz = kVectors / "AT-TINETZ-KFM-DOC-EXAMPLE";

std::vector<std::uint8_t> vector_bytes(const fs::path& dir) {
  auto capture = source::read_capture_file((dir / "input.hex").string());
  EXPECT_TRUE(capture.has_value()) << dir;
  std::vector<std::uint8_t> bytes;
  if (capture) {
    const auto all = capture->chunks.all_bytes();
    bytes.assign(all.begin(), all.end());
  }
  return bytes;
}

pipeline::DecoderOptions keys_of(const fs::path& dir) {
  pipeline::DecoderOptions options;
  if (fs::exists(dir / "key.hex"))
    options.keys.encryption = *load_key_file((dir / "key.hex").string());
  if (fs::exists(dir / "auth-key.hex")) {
    options.keys.authentication = *load_key_file((dir / "auth-key.hex").string());
  }
  return options;
}

Trial trial_of(std::string label, std::vector<std::uint8_t> bytes, microseconds at = {}) {
  Trial t;
  t.label = std::move(label);
  t.listened = milliseconds{1000};
  if (!bytes.empty()) t.chunks.push_back(at, bytes);
  return t;
}

DiagnosisInput file_input(std::vector<std::uint8_t> bytes) {
  DiagnosisInput in;
  in.kind = SourceKind::file;
  in.source = "capture test";
  in.trials.push_back(trial_of("capture file", std::move(bytes)));
  return in;
}

const StageReport& stage(const Diagnosis& d, std::string_view name) {
  const auto it = std::find_if(d.stages.begin(), d.stages.end(),
                               [&](const StageReport& s) { return s.stage == name; });
  if (it == d.stages.end()) throw std::runtime_error("no stage " + std::string(name));
  return *it;
}

std::string all_text(const StageReport& s) {
  std::string text;
  for (const auto& f : s.findings) text += f + "\n";
  return text + s.next_step;
}

// The first FAIL is the stage to act on.
std::string first_failure(const Diagnosis& d) {
  for (const auto& s : d.stages) {
    if (s.verdict == Verdict::fail) return s.stage;
  }
  return "";
}

TEST(Diagnosis, EveryVectorDecodesOrNamesTheFailingStage) {
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(kVectors)) {
    const fs::path dir = entry.path();
    if (!fs::exists(dir / "input.hex")) continue;
    ++seen;
    const Diagnosis d = diagnose(file_input(vector_bytes(dir)), keys_of(dir));
    const bool expect_error = fs::exists(dir / "expected.err");
    EXPECT_EQ(d.values_decoded, !expect_error) << dir.filename() << "\n" << format_diagnosis(d);
    EXPECT_EQ(stage(d, "Bytes received").verdict, Verdict::ok) << dir.filename();
    EXPECT_FALSE(d.redacted_capture.empty()) << dir.filename();
    if (!expect_error) {
      EXPECT_EQ(first_failure(d), "") << dir.filename() << "\n" << format_diagnosis(d);
      EXPECT_EQ(stage(d, "Values").verdict, Verdict::ok) << dir.filename();
      EXPECT_NE(d.values_text.find("Frame at byte"), std::string::npos) << dir.filename();
      continue;
    }
    std::ifstream err(dir / "expected.err");
    std::string code;
    err >> code;
    const std::string failing = first_failure(d);
    if (code == "decrypt" || code == "auth" || code == "key") {
      EXPECT_EQ(failing, "Decryption") << dir.filename() << "\n" << format_diagnosis(d);
    } else if (code == "incomplete") {
      EXPECT_EQ(failing, "Link layer") << dir.filename();
    } else {
      EXPECT_EQ(failing, "Values") << dir.filename() << "\n" << format_diagnosis(d);
    }
  }
  EXPECT_GE(seen, 20u);
}

TEST(Diagnosis, ReportsManufacturerOperatorAndSecurity) {
  const Diagnosis d = diagnose(file_input(vector_bytes(kTinetz)), keys_of(kTinetz));
  const std::string cipher = all_text(stage(d, "Ciphering header"));
  EXPECT_NE(cipher.find("KFM = Kaifa"), std::string::npos) << cipher;
  EXPECT_NE(cipher.find("Vorarlberg Netz"), std::string::npos) << cipher;
  EXPECT_NE(cipher.find("0x21: encrypted, no authentication tag"), std::string::npos) << cipher;
  const std::string link = all_text(stage(d, "Link layer"));
  EXPECT_NE(link.find("M-Bus"), std::string::npos) << link;
  EXPECT_NE(link.find("segmented: up to 2 link frames"), std::string::npos) << link;
  EXPECT_NE(d.values_text.find("VoltageL1            230.8 V"), std::string::npos) << d.values_text;
  EXPECT_EQ(stage(d, "Serial format").verdict, Verdict::skipped);
}

// A body without OBIS codes: the Values stage names the positional profile it chose.
TEST(Diagnosis, NamesThePositionalProfileItChose) {
  const fs::path dir = kVectors / "SI-ISK-AM550-GH956-1S";
  const Diagnosis d = diagnose(file_input(vector_bytes(dir)), keys_of(dir));
  ASSERT_TRUE(d.values_decoded) << format_diagnosis(d);
  const std::string values = all_text(stage(d, "Values"));
  EXPECT_NE(values.find("18 values (profile iskraemeco-si)"), std::string::npos) << values;
}

TEST(Diagnosis, NoBytesPointsAtTheWiring) {
  DiagnosisInput in;
  in.kind = SourceKind::serial;
  in.source = "serial /dev/ttyUSB0";
  in.trials.push_back(trial_of("8E1 2400", {}));
  in.trials.push_back(trial_of("8N1 2400", {}));
  const Diagnosis d = diagnose(in, {});
  EXPECT_FALSE(d.values_decoded);
  EXPECT_EQ(first_failure(d), "Bytes received");
  EXPECT_NE(stage(d, "Bytes received").next_step.find("wiring"), std::string::npos);
  EXPECT_NE(stage(d, "Bytes received").next_step.find("enabled the customer interface"),
            std::string::npos);
  for (const char* later :
       {"Serial format", "Link layer", "Ciphering header", "Decryption", "Values"}) {
    EXPECT_EQ(stage(d, later).verdict, Verdict::skipped) << later;
  }
  EXPECT_TRUE(d.redacted_capture.empty());
}

TEST(Diagnosis, DeviceThatCannotBeOpenedIsNamed) {
  DiagnosisInput in;
  in.kind = SourceKind::serial;
  in.source = "serial /dev/ttyUSB9";
  Trial t = trial_of("8E1 2400", {});
  t.open_errors.push_back("cannot open serial /dev/ttyUSB9: No such file or directory");
  in.trials.push_back(std::move(t));
  const Diagnosis d = diagnose(in, {});
  const std::string text = all_text(stage(d, "Bytes received"));
  EXPECT_NE(text.find("No such file or directory"), std::string::npos) << text;
  EXPECT_NE(text.find("dialout"), std::string::npos) << text;
}

TEST(Diagnosis, GarbageIsFramingBroken) {
  std::vector<std::uint8_t> noise(400);
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<std::uint8_t>(i * 37 + 11);
  const Diagnosis d = diagnose(file_input(noise), {});
  EXPECT_FALSE(d.values_decoded);
  EXPECT_EQ(first_failure(d), "Link layer");
  EXPECT_NE(all_text(stage(d, "Link layer")).find("framing broken"), std::string::npos);
  EXPECT_EQ(stage(d, "Decryption").verdict, Verdict::skipped);
}

TEST(Diagnosis, CorruptChecksumIsCounted) {
  auto bytes = vector_bytes(kTinetz);
  bytes[100] ^= 0x01;  // inside the first M-Bus frame: its checksum no longer holds
  const Diagnosis d = diagnose(file_input(bytes), keys_of(kTinetz));
  EXPECT_FALSE(d.values_decoded);
  EXPECT_EQ(first_failure(d), "Link layer");
  const std::string text = all_text(stage(d, "Link layer"));
  EXPECT_NE(text.find("checksum errors"), std::string::npos) << text;
  EXPECT_EQ(text.find("0 checksum errors"), std::string::npos) << text;
}

TEST(Diagnosis, WrongKeyDoesNotFit) {
  auto options = keys_of(kTinetz);
  (*options.keys.encryption)[0] ^= 0xFF;
  const Diagnosis d = diagnose(file_input(vector_bytes(kTinetz)), options);
  EXPECT_FALSE(d.values_decoded);
  EXPECT_EQ(first_failure(d), "Decryption");
  const std::string text = all_text(stage(d, "Decryption"));
  EXPECT_NE(text.find("the key does not fit these frames"), std::string::npos) << text;
  EXPECT_NE(text.find(dlms::key_fingerprint(*options.keys.encryption)), std::string::npos);
  const std::string report = format_diagnosis(d);
  EXPECT_EQ(report.find(to_hex(*options.keys.encryption)), std::string::npos);
}

TEST(Diagnosis, MissingKeyIsNamed) {
  const Diagnosis d = diagnose(file_input(vector_bytes(kTinetz)), {});
  EXPECT_EQ(first_failure(d), "Decryption");
  EXPECT_NE(all_text(stage(d, "Decryption")).find("no encryption key was given"),
            std::string::npos);
}

TEST(Diagnosis, AuthenticationKeyMissingOrWrong) {
  const fs::path dir = kVectors / "DK-KAM-OMNIPOWER-TESTKEYS";
  auto options = keys_of(dir);
  ASSERT_TRUE(options.keys.authentication.has_value());
  const Diagnosis verified = diagnose(file_input(vector_bytes(dir)), options);
  EXPECT_TRUE(verified.values_decoded);
  EXPECT_NE(all_text(stage(verified, "Decryption")).find("tag verified"), std::string::npos);

  (*options.keys.authentication)[3] ^= 0x5A;
  const Diagnosis wrong = diagnose(file_input(vector_bytes(dir)), options);
  EXPECT_FALSE(wrong.values_decoded);
  EXPECT_NE(all_text(stage(wrong, "Decryption")).find("authentication key missing/wrong"),
            std::string::npos);

  options.keys.authentication.reset();
  const Diagnosis missing = diagnose(file_input(vector_bytes(dir)), options);
  EXPECT_TRUE(missing.values_decoded);
  EXPECT_NE(all_text(stage(missing, "Decryption")).find("tag was not checked"), std::string::npos);
  EXPECT_NE(stage(missing, "Decryption").next_step.find("--meter.auth-key-file"),
            std::string::npos);
}

TEST(Diagnosis, SerialFormatTrialsReportRatesAndPickTheWorkingOne) {
  DiagnosisInput in;
  in.kind = SourceKind::serial;
  in.source = "serial /dev/ttyUSB0";
  auto good = vector_bytes(kTinetz);
  auto twice = good;
  twice.insert(twice.end(), good.begin(), good.end());
  auto broken = twice;
  for (std::size_t i = 0; i < broken.size(); i += 7) broken[i] ^= 0x80;  // parity-like damage
  in.trials.push_back(trial_of("8N1 2400", broken));
  Trial e = trial_of("8E1 2400", {});
  e.chunks.push_back(microseconds{0}, good);
  e.chunks.push_back(microseconds{2'000'000}, good);
  in.trials.push_back(std::move(e));
  const Diagnosis d = diagnose(in, keys_of(kTinetz));
  EXPECT_TRUE(d.values_decoded);
  const auto& format = stage(d, "Serial format");
  EXPECT_EQ(format.verdict, Verdict::ok);
  const std::string text = all_text(format);
  EXPECT_NE(text.find("8E1 2400: 600 bytes, 2 frames passed their checksums, 0 failed"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("checksum success 100%"), std::string::npos) << text;
  EXPECT_NE(text.find("8N1 2400: 600 bytes, 0 frames"), std::string::npos) << text;
  EXPECT_NE(format.next_step.find("8E1 2400"), std::string::npos) << format.next_step;
  EXPECT_NE(all_text(stage(d, "Link layer")).find("one push every 2.0 s"), std::string::npos);
}

TEST(Diagnosis, RedactedCaptureMasksIdentifiersAndStillFrames) {
  const auto bytes = vector_bytes(kTinetz);
  const Diagnosis d = diagnose(file_input(bytes), keys_of(kTinetz));
  const std::string& text = d.redacted_capture;
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find("1010000023"), std::string::npos) << text;            // title serial
  EXPECT_EQ(text.find("00295B9A"), std::string::npos) << text;              // invocation counter
  EXPECT_NE(text.find("DB084B464D0000000000"), std::string::npos) << text;  // FLAG id kept

  auto capture = source::parse_capture(
      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  ASSERT_TRUE(capture.has_value()) << capture.error().message;
  EXPECT_EQ(capture->kind, source::CaptureKind::timed);
  ASSERT_EQ(capture->chunks.size(), 1u);
  EXPECT_EQ(capture->chunks[0].bytes.size(), bytes.size());
  // Checksums were recomputed: the redacted push still frames, but no longer decrypts.
  const Diagnosis again =
      diagnose(file_input({capture->chunks[0].bytes.begin(), capture->chunks[0].bytes.end()}),
               keys_of(kTinetz));
  EXPECT_EQ(stage(again, "Link layer").verdict, Verdict::ok) << format_diagnosis(again);
  EXPECT_FALSE(again.values_decoded);
}

TEST(Diagnosis, RedactionMasksClearMeterNumberAndTagAndFixesHdlcFcs) {
  // An unencrypted HDLC push: the meter number is in clear and gets masked.
  const fs::path plain = kVectors / "NO-KFM-MA304H3E-CNRD";
  const Diagnosis d = diagnose(file_input(vector_bytes(plain)), {});
  ASSERT_TRUE(d.values_decoded);
  const auto id_start = d.values_text.find("MeterNumber");
  ASSERT_NE(id_start, std::string::npos) << d.values_text;
  std::string meter_id = d.values_text.substr(id_start + 23);
  meter_id = meter_id.substr(0, meter_id.find('\n'));
  const std::vector<std::uint8_t> id_bytes(meter_id.begin(), meter_id.end());
  EXPECT_EQ(d.redacted_capture.find(to_hex(id_bytes)), std::string::npos) << meter_id;
  auto capture = source::parse_capture(std::span(
      reinterpret_cast<const std::uint8_t*>(d.redacted_capture.data()), d.redacted_capture.size()));
  ASSERT_TRUE(capture.has_value());
  const Diagnosis again =
      diagnose(file_input({capture->chunks[0].bytes.begin(), capture->chunks[0].bytes.end()}), {});
  EXPECT_EQ(stage(again, "Link layer").verdict, Verdict::ok) << format_diagnosis(again);

  // With a tag (SC 0x30): the last 12 bytes of the APDU are masked too.
  const fs::path tagged = kVectors / "DK-KAM-OMNIPOWER-TESTKEYS";
  const auto stream = vector_bytes(tagged);
  const Diagnosis t = diagnose(file_input(stream), keys_of(tagged));
  ASSERT_TRUE(t.values_decoded);
  auto redacted = source::parse_capture(std::span(
      reinterpret_cast<const std::uint8_t*>(t.redacted_capture.data()), t.redacted_capture.size()));
  ASSERT_TRUE(redacted.has_value());
  const auto out = redacted->chunks[0].bytes;
  ASSERT_EQ(out.size(), stream.size());
  // HDLC: FCS(2) and the closing flag follow the tag.
  const std::size_t tag_end = stream.size() - 3;
  EXPECT_TRUE(std::all_of(out.begin() + static_cast<long>(tag_end - 12),
                          out.begin() + static_cast<long>(tag_end),
                          [](std::uint8_t b) { return b == kRedactedByte; }));
  const Diagnosis tagged_again = diagnose(file_input({out.begin(), out.end()}), keys_of(tagged));
  EXPECT_EQ(stage(tagged_again, "Link layer").verdict, Verdict::ok);
  EXPECT_FALSE(tagged_again.values_decoded);
}

// Issue 14 item 13: the equipment id (0.0.96.1.1.255) is an identity like the meter
// number (0.0.96.1.0.255) and is masked too.
TEST(Diagnosis, RedactionMasksEveryIdentityRegister) {
  const fs::path plain = kVectors / "XX-ISK-SEGMENTED-HDLC";
  const auto stream = vector_bytes(plain);
  const Diagnosis d = diagnose(file_input(stream), {});
  ASSERT_TRUE(d.values_decoded) << format_diagnosis(d);
  for (const std::string id : {"84895126", "160456"}) {  // 96.1.0 and 96.1.1 in expected.jsonl
    const std::vector<std::uint8_t> id_bytes(id.begin(), id.end());
    ASSERT_NE(to_hex(stream).find(to_hex(id_bytes)), std::string::npos) << id << " not sent";
    EXPECT_EQ(d.redacted_capture.find(to_hex(id_bytes)), std::string::npos)
        << id << " in clear in\n"
        << d.redacted_capture;
  }
}

// Hostile bytes: truncations and bit flips of every vector go through every stage and the
// redaction (which walks link frames by their length fields) without reading out of
// bounds (the sanitizer builds check that) and always end in a verdict.
TEST(Diagnosis, SurvivesTruncatedAndMutatedVectors) {
  std::size_t runs = 0;
  for (const auto& entry : fs::directory_iterator(kVectors)) {
    const fs::path dir = entry.path();
    if (!fs::exists(dir / "input.hex")) continue;
    const auto bytes = vector_bytes(dir);
    const auto options = keys_of(dir);
    const std::size_t step = std::max<std::size_t>(1, bytes.size() / 12);
    for (std::size_t cut = 0; cut < bytes.size(); cut += step) {
      std::vector<std::uint8_t> truncated(bytes.begin(), bytes.begin() + static_cast<long>(cut));
      std::vector<std::uint8_t> flipped = bytes;
      flipped[cut] ^= static_cast<std::uint8_t>(1u << (cut % 8));
      for (auto* input : {&truncated, &flipped}) {
        const Diagnosis d = diagnose(file_input(*input), options);
        ASSERT_EQ(d.stages.size(), 6u);
        EXPECT_NE(format_diagnosis(d).find("Result: "), std::string::npos);
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 200u);
}

}  // namespace
}  // namespace sm::app

namespace sm::app {
namespace {

// Issue 19 item 2: the ČEZ XT211 push (items named by attribute descriptors) is decoded, the
// report names its profile and the implied units, and the serial number (0-0:96.1.1) is masked
// in the redacted capture.
TEST(Diagnosis, NamesTheCzechDescriptorItemProfile) {
  const fs::path dir = kVectors / "CZ-CEZ-SMS-XT211-RAW";
  const auto stream = vector_bytes(dir);
  const Diagnosis d = diagnose(file_input(stream), {});
  const std::string report = format_diagnosis(d);
  ASSERT_TRUE(d.values_decoded) << report;
  EXPECT_NE(report.find("22 values (profile descriptor-items)"), std::string::npos) << report;
  EXPECT_NE(report.find("cz-descriptor-items"), std::string::npos) << report;
  const std::string serial = "5100005149";
  const std::vector<std::uint8_t> serial_bytes(serial.begin(), serial.end());
  EXPECT_EQ(d.redacted_capture.find(to_hex(serial_bytes)), std::string::npos) << d.redacted_capture;
}

}  // namespace
}  // namespace sm::app
