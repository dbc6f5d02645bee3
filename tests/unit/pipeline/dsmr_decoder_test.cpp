// The Decoder on DSMR P1 telegrams framed by the stream framer (LinkType::dsmr): straight
// to the DSMR text decoder, no security layer; the values the peers' tests assert
// (tests/data/vectors-frontier/*/vector.json).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/crc16.h"
#include "common/hex.h"
#include "pipeline/decoder.h"

namespace sm::pipeline {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

Bytes telegram(const std::string& id) {
  std::ifstream in(fs::path(SM_TEST_DATA) / "vectors-frontier" / id / "input.hex");
  std::stringstream text;
  text << in.rdbuf();
  auto bytes = parse_hex(text.str());
  EXPECT_TRUE(bytes.has_value()) << id;
  return bytes.value_or(Bytes{});
}

std::vector<Outcome> decode_all(const Bytes& bytes, DecoderOptions options = {}) {
  Decoder decoder(std::move(options));
  auto out = decoder.push(bytes);
  for (auto& o : decoder.finish()) out.push_back(std::move(o));
  return out;
}

const DecodedFrame& only_frame(const std::vector<Outcome>& out) {
  EXPECT_EQ(out.size(), 1U);
  const auto* frame = std::get_if<DecodedFrame>(&out.at(0));
  if (frame == nullptr) {
    ADD_FAILURE() << std::get<FrameFailure>(out.at(0)).error.describe();
    static const DecodedFrame none;
    return none;
  }
  return *frame;
}

TEST(DsmrDecoder, KaifaTelegramDecodesWithoutSecurity) {
  const auto out = decode_all(telegram("dsmr-4.2-kaifa-gas"));
  const DecodedFrame& frame = only_frame(out);
  EXPECT_EQ(frame.link, frame::LinkType::dsmr);
  EXPECT_FALSE(frame.security.has_value());
  EXPECT_EQ(frame.reading.profile, "dsmr");
  const auto* import_t1 = frame.reading.find(cosem::obis(1, 0, 1, 8, 1));
  ASSERT_NE(import_t1, nullptr);
  EXPECT_DOUBLE_EQ(import_t1->value, 1581123.0);  // "1581.123 kWh"
  const auto* gas = frame.reading.find(cosem::obis(0, 1, 24, 2, 1));
  ASSERT_NE(gas, nullptr);
  EXPECT_DOUBLE_EQ(gas->value, 981.443);  // "981.443 m3"
}

TEST(DsmrDecoder, SagemcomWhTelegramHasItsEighteenObjects) {
  const auto out = decode_all(telegram("dsmr-5.0-sagemcom-t210dr-wh"));
  const DecodedFrame& frame = only_frame(out);
  EXPECT_EQ(frame.reading.registers.size(), 18U);
  const auto* export_energy = frame.reading.find(cosem::obis(1, 0, 2, 8, 0));
  ASSERT_NE(export_energy, nullptr);
  EXPECT_DOUBLE_EQ(export_energy->value, 58.0);  // "58 Wh": the unit as sent, no k assumed
}

TEST(DsmrDecoder, BadCrcYieldsNoValues) {
  const auto out = decode_all(telegram("dsmr-5.0-bad-crc"));
  ASSERT_EQ(out.size(), 1U);
  const auto* failure = std::get_if<FrameFailure>(&out[0]);
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->error.code, ErrorCode::checksum);
}

// The Decoder sets no policy: a telegram decodes with a key configured too, and carries
// no security header, so the exporter's SecurityPin refuses it (exporter_test.cpp).
TEST(DsmrDecoder, KeyConfiguredTelegramStillHasNoSecurityHeader) {
  DecoderOptions options;
  options.keys.encryption = dlms::Key{};
  const auto out = decode_all(telegram("dsmr-5.0-iskra-ie"), options);
  const DecodedFrame& frame = only_frame(out);
  EXPECT_FALSE(frame.security.has_value());
  EXPECT_FALSE(frame.tag_verified);
}

TEST(DsmrDecoder, LineThatDoesNotParseFailsTheTelegram) {
  std::string text = "/ABC5Test\r\n\r\n1-0:1.8.1(12a.4*kWh)\r\n!";
  char crc[8];
  std::snprintf(
      crc, sizeof crc, "%04X",
      crc16_arc(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
  text += std::string(crc) + "\r\n";
  const auto out = decode_all(Bytes(text.begin(), text.end()));
  ASSERT_EQ(out.size(), 1U);
  const auto* failure = std::get_if<FrameFailure>(&out[0]);
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->link, frame::LinkType::dsmr);
  EXPECT_EQ(failure->error.code, ErrorCode::decode);
  EXPECT_EQ(failure->error.layer, Layer::cosem);
}

// Some devices drop the CRC's leading zero: "!ABC" for 0x0ABC.
TEST(DsmrDecoder, ThreeDigitCrcDecodes) {
  std::string text;
  std::uint16_t crc = 0xFFFF;
  for (int n = 0; crc >= 0x1000; ++n) {
    text = "/ABC5Test\r\n\r\n1-0:1.8.1(" + std::to_string(n) + ".000*kWh)\r\n!";
    crc = crc16_arc(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  char digits[8];
  std::snprintf(digits, sizeof digits, "%03X", crc);
  text += std::string(digits) + "\r\n";
  const auto out = decode_all(Bytes(text.begin(), text.end()));
  const DecodedFrame& frame = only_frame(out);
  EXPECT_EQ(frame.reading.registers.size(), 1U);
}

TEST(DsmrDecoder, ExplainKeepsTheTelegramAndItsAnnotations) {
  DecoderOptions options;
  options.explain = true;
  const Bytes bytes = telegram("dsmr-5.0-be-fluvius-emucs171");
  const auto out = decode_all(bytes, options);
  const DecodedFrame& frame = only_frame(out);
  EXPECT_EQ(frame.apdu, bytes);
  ASSERT_FALSE(frame.notes.empty());
  EXPECT_EQ(frame.notes.front().layer, "dsmr");
}

}  // namespace
}  // namespace sm::pipeline
