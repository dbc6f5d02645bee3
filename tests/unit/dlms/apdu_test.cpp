// Data-notification APDU (0x0F): header forms, trailing bytes, other APDU types.
#include "dlms/apdu.h"

#include <gtest/gtest.h>

#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::H;

TEST(DataNotification, MinimalWithoutDateTime) {
  Annotations notes;
  auto n = decode_data_notification(H("0F 40000000 00 12 0904"), {}, &notes);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(n->long_invoke_id_and_priority, 0x40000000u);
  EXPECT_FALSE(n->date_time);
  EXPECT_EQ(n->body.tag, Tag::uint16);
  EXPECT_EQ(n->body.offset, 6u);
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_EQ(notes[0].meaning, "data-notification (0x0F)");
  EXPECT_EQ(notes[0].layer, "apdu");
  EXPECT_EQ(notes[0].space, "plaintext");
  EXPECT_EQ(notes[1].offset, 1u);
  EXPECT_EQ(notes[1].length, 4u);
  EXPECT_EQ(notes[1].meaning,
            "long-invoke-id-and-priority 0x40000000: invoke-id 0, priority normal, confirmed");
  EXPECT_EQ(notes[2].meaning, "date-time absent");
  EXPECT_EQ(notes[3].meaning, "uint16 2308");
  EXPECT_EQ(notes[3].layer, "axdr");
}

TEST(DataNotification, DateTimeForms) {
  const std::string dt = "07E50713010F2E2300FF8880";
  Annotations notes;
  auto plain = decode_data_notification(H("0F 8006870E 0C" + dt + "00"), {}, &notes);
  ASSERT_TRUE(plain) << plain.error().describe();
  ASSERT_TRUE(plain->date_time);
  EXPECT_EQ(plain->date_time->iso8601(), "2021-07-19T15:46:35+02:00");
  EXPECT_EQ(notes[2].offset, 5u);
  EXPECT_EQ(notes[2].length, 13u);
  EXPECT_EQ(notes[2].meaning, "date-time 2021-07-19T15:46:35+02:00");

  // Norwegian Kaifa: typed octet-string 09 0C.
  Annotations quirk_notes;
  auto quirk = decode_data_notification(H("0F 40000000 09 0C" + dt + "00"), {}, &quirk_notes);
  ASSERT_TRUE(quirk) << quirk.error().describe();
  ASSERT_TRUE(quirk->date_time);
  EXPECT_EQ(quirk->date_time->minute, 46);
  EXPECT_EQ(quirk_notes[2].length, 14u);
  EXPECT_NE(quirk_notes[2].meaning.find("09 0C"), std::string::npos);

  auto typed_empty = decode_data_notification(H("0F 40000000 09 00 00"));
  ASSERT_TRUE(typed_empty);
  EXPECT_FALSE(typed_empty->date_time);

  auto bad_len = decode_data_notification(H("0F 40000000 05 0102030405 00"));
  ASSERT_FALSE(bad_len);
  EXPECT_EQ(bad_len.error().code, ErrorCode::decode);
  EXPECT_EQ(bad_len.error().offset, 5u);
}

TEST(DataNotification, ImpossibleHeaderTimeIsDroppedNotFatal) {
  Annotations notes;
  auto n =
      decode_data_notification(H("0F 40000000 0C 07E50D13010F2E2300FF8880 12 0001"), {}, &notes);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_FALSE(n->date_time);
  EXPECT_NE(notes[2].meaning.find("ignored"), std::string::npos) << notes[2].meaning;
}

TEST(DataNotification, TrailingBytesAreADecodeError) {
  auto n = decode_data_notification(H("0F 40000000 00 12 0904 FF FF"));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::decode);
  EXPECT_EQ(n.error().offset, 9u);
  EXPECT_EQ(n.error().layer, Layer::dlms);
}

TEST(DataNotification, TruncatedParts) {
  for (const char* hex : {"", "0F", "0F 4000", "0F 40000000", "0F 40000000 0C 07E5",
                          "0F 40000000 00", "0F 40000000 00 02 02 12 0001"}) {
    auto n = decode_data_notification(H(hex));
    ASSERT_FALSE(n) << hex;
    EXPECT_EQ(n.error().code, ErrorCode::incomplete) << hex << ": " << n.error().describe();
  }
}

TEST(DataNotification, OtherApduTypesAreNamed) {
  auto event = decode_data_notification(H("C2 00 4E2C0000 8000"));
  ASSERT_FALSE(event);
  EXPECT_EQ(event.error().code, ErrorCode::unsupported);
  EXPECT_NE(event.error().message.find("event-notification-request (0xC2)"), std::string::npos)
      << event.error().message;
  auto ciphered = decode_data_notification(H("DB 08 0102030405060708"));
  ASSERT_FALSE(ciphered);
  EXPECT_EQ(ciphered.error().code, ErrorCode::unsupported);
  EXPECT_NE(ciphered.error().message.find("general-glo-ciphering"), std::string::npos);
  auto signing = decode_data_notification(H("DF 00"));
  EXPECT_NE(signing.error().message.find("general-signing"), std::string::npos);
  auto unknown = decode_data_notification(H("5A 00 00"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::decode);
  EXPECT_NE(unknown.error().message.find("0x5A"), std::string::npos);
}

TEST(DataNotification, BodyLimitsApply) {
  AxdrLimits limits;
  limits.max_depth = 1;
  auto n = decode_data_notification(H("0F 40000000 00 02 01 02 01 00"), limits);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::length);
  EXPECT_EQ(n.error().offset, 8u);
}

}  // namespace
}  // namespace sm::dlms
