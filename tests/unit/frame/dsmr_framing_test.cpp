// The DSMR P1 telegram framing of StreamFramer (frame/dsmr.cpp): the real telegrams of
// tests/data/vectors-frontier, telegrams between garbage and split at every chunk size,
// truncation, limits, CRC fields that are not hex, and the weak-frame rule for telegrams
// without a CRC.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/crc16.h"
#include "frame/stream_framer.h"
#include "frame_test_util.h"

namespace sm::frame::test {
namespace {

Bytes frontier_input(const std::string& id) {
  return hex(
      read_text(std::filesystem::path(SM_TEST_DATA) / "vectors-frontier" / id / "input.hex"));
}

Bytes text(std::string_view s) {
  return {s.begin(), s.end()};
}

// A telegram with its CRC-16/ARC (4 digits; `digits` 3 drops a leading zero).
Bytes with_crc(std::string_view body, int digits = 4) {
  Bytes t = text(body);
  t.push_back('!');
  char crc[8];
  std::snprintf(crc, sizeof crc, digits == 4 ? "%04X" : "%03X", sm::crc16_arc(t));
  const Bytes tail = text(std::string(crc) + "\r\n");
  t.insert(t.end(), tail.begin(), tail.end());
  return t;
}

constexpr std::string_view kBody =
    "/ABC5Test-Meter\r\n\r\n1-0:1.8.1(000123.456*kWh)\r\n1-0:1.7.0(01.234*kW)\r\n";

const char* const kVectors[] = {"dsmr-2.2-iskra-mt382", "dsmr-4.2-kaifa-gas",
                                "dsmr-5.0-be-fluvius-emucs171", "dsmr-5.0-iskra-ie",
                                "dsmr-5.0-sagemcom-t210dr-wh"};

TEST(DsmrFraming, RealTelegramsAreOneFrameEach) {
  for (const char* id : kVectors) {
    SCOPED_TRACE(id);
    const Bytes input = frontier_input(id);
    const auto events = run_framer(input);
    ASSERT_EQ(events.size(), 1U) << describe(events).front();
    const auto apdus = apdus_of(events);
    ASSERT_EQ(apdus.size(), 1U);
    EXPECT_EQ(apdus[0].link, LinkType::dsmr);
    EXPECT_EQ(apdus[0].bytes, input);  // the whole telegram, '/' to the final LF
    EXPECT_EQ(apdus[0].stream_length, input.size());
  }
}

TEST(DsmrFraming, BadCrcIsAChecksumErrorAndDropsTheTelegram) {
  const Bytes input = frontier_input("dsmr-5.0-bad-crc");
  const auto events = run_framer(input);
  ASSERT_EQ(events.size(), 1U);
  const auto errors = errors_of(events);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].error.code, ErrorCode::checksum);
  EXPECT_EQ(errors[0].skipped, input.size());
  EXPECT_NE(errors[0].error.message.find("A309"), std::string::npos);  // computed CRC
}

// Garbage, a telegram, garbage (with a '/' that starts nothing), a telegram without CRC,
// a real telegram: the same events whatever the chunking.
Bytes mixed_stream() {
  return concat({text("\x01\x02 noise"), with_crc(kBody), text("x/y!\r\n\xFF"),
                 concat({text(kBody), text("!\r\n")}), frontier_input("dsmr-4.2-kaifa-gas")});
}

TEST(DsmrFraming, TelegramsBetweenGarbage) {
  const Bytes input = mixed_stream();
  const auto events = run_framer(input);
  const auto apdus = apdus_of(events);
  ASSERT_EQ(apdus.size(), 3U) << ::testing::PrintToString(describe(events));
  EXPECT_EQ(apdus[0].stream_offset, 8U);
  EXPECT_EQ(apdus[0].bytes, with_crc(kBody));
  EXPECT_EQ(apdus[2].bytes, frontier_input("dsmr-4.2-kaifa-gas"));
  const auto errors = errors_of(events);
  ASSERT_EQ(errors.size(), 2U);
  EXPECT_EQ(errors[0].skipped, 8U);
  EXPECT_EQ(errors[1].skipped, 7U);
  EXPECT_EQ(accounted_bytes(events), input.size());
}

TEST(DsmrFraming, EveryChunkSizeGivesTheSameEvents) {
  const Bytes input = mixed_stream();
  const auto whole = describe(run_framer(input));
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
    ASSERT_EQ(describe(run_framer(input, chunk)), whole) << "chunk " << chunk;
  }
}

TEST(DsmrFraming, TruncatedTelegramThenTheNextOne) {
  const Bytes good = with_crc(kBody);
  const Bytes cut(good.begin(), good.begin() + 30);
  const auto events = run_framer(concat({cut, good, cut}));
  ASSERT_EQ(events.size(), 3U) << ::testing::PrintToString(describe(events));
  const auto errors = errors_of(events);
  ASSERT_EQ(errors.size(), 2U);
  EXPECT_EQ(errors[0].error.code, ErrorCode::incomplete);  // broken off by the next '/'
  EXPECT_EQ(errors[0].skipped, cut.size());
  EXPECT_EQ(errors[1].error.code, ErrorCode::incomplete);  // the stream ended
  EXPECT_EQ(errors[1].stream_offset, cut.size() + good.size());
  ASSERT_EQ(apdus_of(events).size(), 1U);
  EXPECT_EQ(apdus_of(events)[0].bytes, good);
}

TEST(DsmrFraming, CrcDigitsThatAreNotHex) {
  for (std::string_view end : {"!12G4\r\n", "!1234X\r\n", "!12\r\n", "!12345\r\n", "!\r\r\n"}) {
    SCOPED_TRACE(end);
    const Bytes bad = concat({text(kBody), text(end)});
    const auto events = run_framer(concat({bad, with_crc(kBody)}));
    const auto errors = errors_of(events);
    ASSERT_EQ(errors.size(), 1U) << ::testing::PrintToString(describe(events));
    EXPECT_EQ(errors[0].error.code, ErrorCode::checksum);
    EXPECT_EQ(errors[0].skipped, bad.size());
    ASSERT_EQ(apdus_of(events).size(), 1U);  // the next telegram is read
    EXPECT_EQ(apdus_of(events)[0].stream_offset, bad.size());
  }
}

TEST(DsmrFraming, RightCrcFollowedByAFifthCharacterIsNoTelegram) {
  Bytes bad = with_crc(kBody);
  bad[bad.size() - 2] = 'X';  // "!CRC" 'X' LF
  const auto events = run_framer(bad);
  EXPECT_TRUE(apdus_of(events).empty());
  ASSERT_EQ(errors_of(events).size(), 1U);
  EXPECT_EQ(errors_of(events)[0].error.code, ErrorCode::checksum);
}

TEST(DsmrFraming, ThreeDigitCrcAndStreamEndAfterTheCrc) {
  // A body whose CRC is below 0x1000, sent without its leading zero.
  std::string body;
  for (int n = 0;; ++n) {
    body = std::string(kBody) + "0-0:96.14.0(" + std::to_string(n) + ")\r\n";
    Bytes t = text(body);
    t.push_back('!');
    if (sm::crc16_arc(t) < 0x1000) break;
  }
  const Bytes three = with_crc(body, 3);
  ASSERT_EQ(apdus_of(run_framer(three)).size(), 1U);
  // Without the final CR LF the end of the stream ends the telegram.
  const Bytes cut(three.begin(), three.end() - 2);
  const auto events = run_framer(cut);
  ASSERT_EQ(apdus_of(events).size(), 1U) << ::testing::PrintToString(describe(events));
  EXPECT_EQ(apdus_of(events)[0].bytes, cut);
}

TEST(DsmrFraming, TenMegabytesWithoutEndStayWithinTheBuffer) {
  const FramerLimits limits;
  StreamFramer framer(limits);
  const Bytes head = text("/ISk5\\2MT382-1000\r\n\r\n");
  Bytes chunk;
  while (chunk.size() < 64 * 1024) {
    const Bytes line = text("1-0:1.8.1(000001.000*kWh)\r\n");
    chunk.insert(chunk.end(), line.begin(), line.end());
  }
  std::size_t apdus = 0;
  std::size_t skipped = 0;
  auto count = [&](const std::vector<FrameEvent>& events) {
    apdus += apdus_of(events).size();
    for (const auto& e : errors_of(events)) skipped += e.skipped;
  };
  count(framer.push(head));
  std::size_t pushed = head.size();
  while (pushed < 10 * 1024 * 1024) {
    count(framer.push(chunk));
    pushed += chunk.size();
    ASSERT_LE(framer.bytes_buffered(), limits.max_buffer);
  }
  EXPECT_EQ(apdus, 0U);
  EXPECT_GT(skipped, pushed - limits.max_buffer);
  // The next good telegram is read.
  count(framer.push(with_crc(kBody)));
  count(framer.finish());
  EXPECT_EQ(apdus, 1U);
}

TEST(DsmrFraming, TelegramSizeLimitComesFromTheLimits) {
  const Bytes kaifa = frontier_input("dsmr-4.2-kaifa-gas");
  FramerLimits small;
  small.max_apdu = 512;
  const auto events = run_framer(kaifa, 0, small);
  EXPECT_TRUE(apdus_of(events).empty());
  ASSERT_FALSE(errors_of(events).empty());
  EXPECT_EQ(errors_of(events)[0].error.code, ErrorCode::length);
  // The default limits take a Belgian-sized telegram of 8 KB and more.
  std::string body(kBody);
  while (body.size() < 9000) body += "0-0:98.1.0(200501000000S)(200423192538S)(03.695*kW)\r\n";
  const Bytes big = with_crc(body);
  ASSERT_EQ(apdus_of(run_framer(big)).size(), 1U);
}

// An M-Bus frame (header verified, checksum wrong) whose bytes hold a DSMR telegram: a
// telegram without CRC inside is a weak frame and stays unread; one with a CRC is read.
Bytes corrupt_mbus_around(const Bytes& telegram) {
  Bytes frame = {0x68, 0x00, 0x00, 0x68, 0x53, 0xFF, 0x10, 0x01, 0x00};
  frame.insert(frame.end(), telegram.begin(), telegram.end());
  EXPECT_LT(frame.size(), 260U);
  const auto length = static_cast<std::uint8_t>(frame.size() - 4);
  frame[1] = frame[2] = length;
  unsigned sum = 0;
  for (std::size_t i = 4; i < frame.size(); ++i) sum += frame[i];
  frame.insert(frame.end(), {static_cast<std::uint8_t>(sum + 1), 0x16});  // a wrong checksum
  return frame;
}

TEST(DsmrFraming, TelegramWithoutCrcIsAWeakFrame) {
  const Bytes plain = concat({text(kBody), text("!\r\n")});
  ASSERT_EQ(apdus_of(run_framer(plain)).size(), 1U);
  const auto weak = run_framer(corrupt_mbus_around(plain));
  EXPECT_TRUE(apdus_of(weak).empty()) << ::testing::PrintToString(describe(weak));
  EXPECT_EQ(errors_of(weak).at(0).error.code, ErrorCode::checksum);
  const auto strong = run_framer(corrupt_mbus_around(with_crc(kBody)));
  EXPECT_EQ(apdus_of(strong).size(), 1U) << ::testing::PrintToString(describe(strong));
}

TEST(DsmrFraming, ExplainAnnotatesIdentificationDataAndCrc) {
  const auto events = run_framer(frontier_input("dsmr-4.2-kaifa-gas"));
  const auto apdus = apdus_of(events);
  ASSERT_EQ(apdus.size(), 1U);
  std::string all;
  for (const auto& n : apdus[0].notes) {
    EXPECT_EQ(n.layer, "dsmr");
    all += n.meaning + "\n";
  }
  EXPECT_NE(all.find("/KFM (manufacturer)"), std::string::npos) << all;
  EXPECT_NE(all.find("CRC 6796 OK"), std::string::npos) << all;
  EXPECT_EQ(accounted_bytes(events), apdus[0].bytes.size());
}

}  // namespace
}  // namespace sm::frame::test
