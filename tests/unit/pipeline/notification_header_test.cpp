// The data-notification header (dlms::read_notification_header) as its three users read
// it: the framer's bare-APDU probe, the COSEM direct path (explain off) and the general
// path (explain on) must take the same headers — the date-time absent (00), present
// (0C + 12) and the Norwegian Kaifa's typed forms (09 0C + 12, 09 00) — alike.
#include <string>

#include <gtest/gtest.h>

#include "../dlms/protected_pushes.h"
#include "pipeline/decoder.h"

namespace sm::pipeline {
namespace {

namespace pushes = sm::dlms::test;
using Bytes = std::vector<std::uint8_t>;

// The TINETZ plaintext (0F, invoke id, 0C + 12 bytes, body) with another date-time field.
Bytes with_date_time(const Bytes& date_time_field) {
  const Bytes plain = pushes::tinetz_file("plaintext.hex");
  constexpr std::size_t kDateTimeAt = 5, kBodyAt = 5 + 1 + 12;
  EXPECT_EQ(plain.at(kDateTimeAt), 0x0C);
  Bytes out(plain.begin(), plain.begin() + kDateTimeAt);
  out.insert(out.end(), date_time_field.begin(), date_time_field.end());
  out.insert(out.end(), plain.begin() + kBodyAt, plain.end());
  return out;
}

std::string decode_bare(const Bytes& apdu, bool explain) {
  DecoderOptions options;
  options.explain = explain;
  Decoder decoder(options);
  auto outcomes = decoder.push(apdu);
  for (auto& o : decoder.finish()) outcomes.push_back(std::move(o));
  if (outcomes.size() != 1) return "outcomes: " + std::to_string(outcomes.size());
  if (const auto* f = std::get_if<FrameFailure>(&outcomes[0])) return f->error.describe();
  const auto& d = std::get<DecodedFrame>(outcomes[0]);
  const auto& r = d.reading;
  return "frame " + std::to_string(d.stream_length) + " time " +
         (r.meter_time ? r.meter_time->iso8601() : "-") + " id " + r.meter_id.value_or("-").str() +
         " values " + std::to_string(r.registers.size());
}

TEST(NotificationHeader, EveryDateTimeFormFramesAndDecodesAlike) {
  const Bytes time = {0x07, 0xE5, 0x07, 0x13, 0x01, 0x0F, 0x2E, 0x23, 0x00, 0xFF, 0x88, 0x80};
  Bytes plain_time{0x0C}, typed_time{0x09, 0x0C};
  plain_time.insert(plain_time.end(), time.begin(), time.end());
  typed_time.insert(typed_time.end(), time.begin(), time.end());
  const std::string with_time = decode_bare(with_date_time(plain_time), false);
  const std::string without_time = decode_bare(with_date_time({0x00}), false);
  EXPECT_NE(with_time.find("id 1KFM0100000035"), std::string::npos) << with_time;
  EXPECT_NE(without_time.find("id 1KFM0100000035"), std::string::npos) << without_time;
  for (const bool explain : {false, true}) {
    SCOPED_TRACE(explain);
    EXPECT_EQ(decode_bare(with_date_time(plain_time), explain), with_time);
    const auto typed = with_date_time(typed_time);
    EXPECT_EQ(decode_bare(typed, explain),
              "frame " + std::to_string(typed.size()) + with_time.substr(with_time.find(" time")));
    EXPECT_EQ(decode_bare(with_date_time({0x00}), explain), without_time);
    const auto typed_empty = with_date_time({0x09, 0x00});
    EXPECT_EQ(decode_bare(typed_empty, explain),
              "frame " + std::to_string(typed_empty.size()) +
                  without_time.substr(without_time.find(" time")));
  }
}

}  // namespace
}  // namespace sm::pipeline
