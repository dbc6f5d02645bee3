// The descriptor-item body (ČEZ Distribuce, EG.D): items {untagged attribute descriptor,
// value} read with their lengths; every malformed body is a typed error, never items.
#include "dlms/descriptor_items.h"

#include <string>

#include <gtest/gtest.h>

#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::Bytes;
using test::H;

constexpr std::size_t kBodyAt = 6;  // 0F, long-invoke-id (4), date-time absent (00)

Bytes body_of(const std::string& id) {
  auto plaintext = test::hex_file(id, "plaintext.hex");
  if (!plaintext) return {};
  return Bytes(plaintext->begin() + kBodyAt, plaintext->end());
}

// structure(2) {enum 1, array(n) ...}: the body header for `n` items.
Bytes header(std::uint8_t n) {
  return Bytes{0x02, 0x02, 0x16, 0x01, 0x01, n};
}

const Bytes kPower =
    H("0202"
      "0003"
      "0100010700FF"
      "02"
      "06000007A4");  // 1.7.0 = 1956
const Bytes kSerial =
    H("0202"
      "0001"
      "0000600101FF"
      "02"
      "0903313233");  // 96.1.1 = "123"

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Result<DescriptorItemsBody> read(const Bytes& body, bool* recognised = nullptr,
                                 const AxdrLimits& limits = {}) {
  return read_descriptor_items(body, kBodyAt, limits, true, recognised);
}

TEST(DescriptorItems, ReadsTheXt211Push) {
  const Bytes body = body_of("CZ-CEZ-SMS-XT211-RAW");
  ASSERT_EQ(body.size(), 355u - kBodyAt);
  auto items = read(body);
  ASSERT_TRUE(items) << items.error().describe();
  EXPECT_TRUE(items->recognised);
  EXPECT_EQ(items->length, body.size());
  ASSERT_EQ(items->items.size(), 22u);
  const auto& first = items->items.front();
  EXPECT_EQ(first.descriptor.class_id, 1);
  EXPECT_EQ(first.descriptor.instance.size(), 6u);
  EXPECT_EQ(first.descriptor.instance[4], 1);  // 0-0:96.1.1
  EXPECT_EQ(first.descriptor.attribute, 2);
  EXPECT_EQ(first.descriptor.offset, kBodyAt + 8);
  EXPECT_EQ(first.value.front(), 0x09);  // octet-string(10)
  EXPECT_EQ(first.value.size(), 12u);
  EXPECT_EQ(items->items[1].descriptor.class_id, 70);  // disconnect control, attribute 3
  EXPECT_EQ(items->items[1].descriptor.attribute, 3);
}

TEST(DescriptorItems, ReadsTheEgdExampleAndItsLengthOnly) {
  const Bytes body = body_of("CZ-EGD-DOC-EXAMPLE");
  auto items = read(body);
  ASSERT_TRUE(items) << items.error().describe();
  EXPECT_EQ(items->items.size(), 27u);
  EXPECT_EQ(items->items[1].descriptor.class_id, 40);  // the push setup's logical name
  auto length = read_descriptor_items(body, 0, {}, false);
  ASSERT_TRUE(length);
  EXPECT_EQ(length->length, body.size());
  EXPECT_TRUE(length->items.empty());
}

TEST(DescriptorItems, EveryCutIsIncomplete) {
  const Bytes body = concat({header(2), kPower, kSerial});
  ASSERT_TRUE(read(body));
  for (std::size_t n = 0; n < body.size(); ++n) {
    const Bytes cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    bool recognised = false;
    auto items = read(cut, &recognised);
    ASSERT_FALSE(items) << n;
    EXPECT_EQ(items.error().code, ErrorCode::incomplete) << n << ": " << items.error().describe();
    EXPECT_EQ(recognised, n >= header(2).size() + kPower.size()) << n;
  }
}

TEST(DescriptorItems, ATruncatedDescriptorIsIncomplete) {
  // The second item ends inside its OBIS code.
  const Bytes body = concat({header(2), kPower,
                             H("0202"
                               "0001"
                               "000060")});
  bool recognised = false;
  auto items = read(body, &recognised);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, ErrorCode::incomplete) << items.error().describe();
  EXPECT_TRUE(recognised);
}

TEST(DescriptorItems, ImplausibleClassIdOrAttributeIsADecodeError) {
  for (const char* descriptor : {"0000"
                                 "0100010700FF"
                                 "02",  // class-id 0
                                 "0100"
                                 "0100010700FF"
                                 "02",  // 256: no class the Blue Book specifies
                                 "0003"
                                 "0100010700FF"
                                 "00",  // attribute 0 ("all")
                                 "0003"
                                 "0100010700FF"
                                 "FE"}) {  // attribute -2
    const Bytes body = concat({header(2), kPower, H("0202"), H(descriptor), H("0600000001")});
    bool recognised = false;
    auto items = read(body, &recognised);
    ASSERT_FALSE(items) << descriptor;
    EXPECT_EQ(items.error().code, ErrorCode::decode) << descriptor;
    EXPECT_NE(items.error().message.find("item 2: class-id"), std::string::npos)
        << items.error().message;
    EXPECT_EQ(items.error().offset, kBodyAt + header(2).size() + kPower.size() + 2);
    EXPECT_TRUE(recognised);
  }
  // In the first item: the body is simply not of this layout.
  bool recognised = true;
  auto first = read(concat({header(1), H("0202"
                                         "0000"
                                         "0100010700FF"
                                         "02"
                                         "0600000001")}),
                    &recognised);
  ASSERT_FALSE(first);
  EXPECT_FALSE(recognised);
}

TEST(DescriptorItems, AMissingValueIsAnError) {
  // The last item has its descriptor and nothing after it.
  const Bytes last = concat({header(2), kPower,
                             H("0202"
                               "0003"
                               "0100020700FF"
                               "02")});
  auto items = read(last);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, ErrorCode::incomplete);
  EXPECT_NE(items.error().message.find("value is missing"), std::string::npos)
      << items.error().message;
  // A value missing inside the list: the next item is taken for the value, and the list
  // falls apart (the array still wants an item): an error, not numbers.
  const Bytes inner = concat({header(3),
                              H("0202"
                                "0003"
                                "0100020700FF"
                                "02"),
                              kPower, kSerial});
  EXPECT_FALSE(read(inner));
}

TEST(DescriptorItems, AMixedListIsADecodeError) {
  // Item 2 is an OBIS-tagged pair {octet-string(6), value}, as other meters send.
  const Bytes body = concat({header(2), kPower,
                             H("0202"
                               "09060100020700FF"
                               "0600000001")});
  bool recognised = false;
  auto items = read(body, &recognised);
  ASSERT_FALSE(items);
  EXPECT_TRUE(recognised);
  EXPECT_EQ(items.error().code, ErrorCode::decode) << items.error().describe();
  EXPECT_NE(items.error().message.find("item 2: class-id 2310"), std::string::npos)
      << items.error().message;
  // An item of three elements.
  auto three = read(concat({header(2), kPower,
                            H("0203"
                              "0003"
                              "0100020700FF"
                              "02"
                              "1100"
                              "1100")}));
  ASSERT_FALSE(three);
  EXPECT_EQ(three.error().code, ErrorCode::decode);
  EXPECT_NE(three.error().message.find("expected {attribute descriptor, value}"),
            std::string::npos);
}

TEST(DescriptorItems, OtherBodiesAreNotThisLayout) {
  for (const char* body : {"0203160101010202",   // three elements
                           "02021101010102",     // uint8 before the array
                           "0202160101000000",   // an empty array
                           "01021601010102"}) {  // an array body
    bool recognised = true;
    auto items = read(H(body), &recognised);
    ASSERT_FALSE(items) << body;
    EXPECT_FALSE(recognised) << body;
  }
}

TEST(DescriptorItems, LimitsApply) {
  const Bytes body = body_of("CZ-CEZ-SMS-XT211-RAW");
  AxdrLimits few;
  few.max_elements = 21;  // the array holds 22
  auto elements = read(body, nullptr, few);
  ASSERT_FALSE(elements);
  EXPECT_EQ(elements.error().code, ErrorCode::length);
  AxdrLimits nodes;
  nodes.max_nodes = 40;  // 3 + 3 per item
  auto many = read(body, nullptr, nodes);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, ErrorCode::length) << many.error().describe();
  AxdrLimits shallow;
  shallow.max_depth = 2;
  auto deep = read(body, nullptr, shallow);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, ErrorCode::length);
  AxdrLimits strings;
  strings.max_string_length = 9;  // the serial number has 10 bytes
  auto serial = read(body, nullptr, strings);
  ASSERT_FALSE(serial);
  EXPECT_EQ(serial.error().code, ErrorCode::length);
}

}  // namespace
}  // namespace sm::dlms
