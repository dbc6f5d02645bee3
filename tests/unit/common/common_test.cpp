#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "common/json_writer.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Hex, ParsesWhatPeoplePaste) {
  EXPECT_EQ(sm::parse_hex("68 FA fa 68"), (Bytes{0x68, 0xFA, 0xFA, 0x68}));
  EXPECT_EQ(sm::parse_hex("0x68, 0x01,\n0xff"), (Bytes{0x68, 0x01, 0xFF}));
  EXPECT_EQ(sm::parse_hex("# comment 12 34\n0A0B # trailing\n0C"), (Bytes{0x0A, 0x0B, 0x0C}));
  EXPECT_EQ(sm::parse_hex("00"), (Bytes{0x00}));
}

TEST(Hex, RejectsNonHex) {
  EXPECT_FALSE(sm::parse_hex("6").has_value());    // odd digit count
  EXPECT_FALSE(sm::parse_hex("6 8").has_value());  // separator splits a byte
  EXPECT_FALSE(sm::parse_hex("zz").has_value());
  const Bytes binary{0x68, 0xFA, 0x00, 0x16};
  EXPECT_FALSE(sm::looks_like_hex_text(binary));
  const std::string text = "68FA\n";
  EXPECT_TRUE(sm::looks_like_hex_text(Bytes(text.begin(), text.end())));
}

TEST(Hex, AppendsOrLeavesTheOutputAsItWas) {
  Bytes out{0x01};
  EXPECT_TRUE(sm::parse_hex_append("68 fa", out));
  EXPECT_EQ(out, (Bytes{0x01, 0x68, 0xFA}));
  EXPECT_FALSE(sm::parse_hex_append("16 1", out));  // the 0x16 is taken back
  EXPECT_FALSE(sm::parse_hex_append("16 zz", out));
  EXPECT_EQ(out, (Bytes{0x01, 0x68, 0xFA}));
  EXPECT_TRUE(sm::parse_hex_append("", out));
  EXPECT_EQ(out.size(), 3U);
  const std::string comment_only = "# 68\n";
  EXPECT_FALSE(sm::looks_like_hex_text(Bytes(comment_only.begin(), comment_only.end())));
}

TEST(Hex, Encodes) {
  const Bytes b{0x4B, 0x46, 0x0d};
  EXPECT_EQ(sm::to_hex(b), "4B460D");
  EXPECT_EQ(sm::to_hex_lower(b), "4b460d");
}

TEST(ByteReader, ReadsBigEndianAndChecksBounds) {
  const Bytes b{0x01, 0x02, 0x03, 0x04, 0x05};
  sm::ByteReader r(b, sm::Layer::dlms, "Test", 100);
  EXPECT_EQ(*r.u8(), 0x01);
  EXPECT_EQ(*r.u16be(), 0x0203);
  EXPECT_EQ(r.offset(), 103u);
  auto too_far = r.u32be();
  ASSERT_FALSE(too_far.has_value());
  EXPECT_EQ(too_far.error().code, sm::ErrorCode::incomplete);
  EXPECT_EQ(too_far.error().offset, 103u);
  EXPECT_EQ(too_far.error().message, "Test: expected 4 bytes, 2 left");
  EXPECT_EQ(r.remaining(), 2u);  // a failed read consumes nothing
  EXPECT_FALSE(r.bytes(3).has_value());
  EXPECT_EQ(r.bytes(2)->size(), 2u);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.u8().has_value());
}

TEST(ByteReader, ExpectNamesTheByte) {
  const Bytes b{0x68};
  sm::ByteReader r(b, sm::Layer::frame, "M-Bus");
  auto e = r.expect(0x16, "stop byte");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().message, "M-Bus: stop byte: expected 0x16, got 0x68");
}

TEST(JsonWriter, WritesNestedAndEscapes) {
  sm::JsonWriter w;
  w.begin_object().key("a").value(std::int64_t{1}).key("s").value("q\"\n\x01");
  w.key("arr").begin_array().value(227.1).value(true).null().end_array();
  w.key("o").begin_object().end_object().end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"s":"q\"\n\u0001","arr":[227.1,true,null],"o":{}})");
  EXPECT_EQ(sm::JsonWriter::format_double(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(sm::JsonWriter::format_double(1.0 / 0.0), "null");
}

}  // namespace
