// The streaming A-XDR cursor: every tag kind and length form, each limit at and one past
// its value, truncation, the fast readers, and agreement with decode_value() on the vectors.
#include "dlms/axdr_cursor.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "dlms/apdu.h"
#include "dlms/apdu_tags.h"
#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::H;
using Kind = AxdrItem::Kind;

// One item, flattened for comparison.
struct Step {
  Kind kind;
  Tag tag;
  std::size_t offset;
  std::size_t count;
  std::size_t depth;
  std::string content;  // leaf: hex of the content
  bool operator==(const Step&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Step& s) {
  return os << static_cast<int>(s.kind) << "/" << tag_name(s.tag) << "@" << s.offset << " n"
            << s.count << " d" << s.depth << " " << s.content;
}

// All items of the value at the start of `bytes` (up to and including the end), or the
// error that stopped the cursor; `consumed`: where the reader stood afterwards.
Result<std::vector<Step>> walk(std::span<const std::uint8_t> bytes, const AxdrLimits& limits = {},
                               std::size_t* consumed = nullptr, std::size_t base = 0) {
  ByteReader r(bytes, Layer::dlms, "test", base);
  AxdrCursor cursor(r, limits);
  std::vector<Step> steps;
  for (;;) {
    auto item = cursor.next();
    if (!item) return tl::unexpected(item.error());
    if (consumed != nullptr) *consumed = r.position();
    const bool has_tag = item->kind != Kind::end;
    steps.push_back(Step{item->kind, has_tag ? item->tag() : Tag::null_data, item->offset,
                         item->count, item->depth,
                         item->kind == Kind::leaf ? to_hex_lower(item->content) : std::string()});
    if (item->kind == Kind::end) return steps;
  }
}

Step open(Tag t, std::size_t at, std::size_t n, std::size_t depth) {
  return {Kind::open, t, at, n, depth, ""};
}
Step leaf(Tag t, std::size_t at, std::string content, std::size_t depth) {
  const std::size_t n = content.size() / 2;
  return {Kind::leaf, t, at, n, depth, std::move(content)};
}
Step close(Tag t, std::size_t at, std::size_t depth) {
  return {Kind::close, t, at, 0, depth, ""};
}
Step end(std::size_t at) {
  return {Kind::end, Tag::null_data, at, 0, 0, ""};
}

TEST(AxdrCursor, EveryTagKindIsOneItem) {
  // structure of 22: every leaf tag, then an empty array.
  const auto bytes =
      H("02 16"
        "00"                           // null @2
        "03 01"                        // boolean @3
        "04 0A C040"                   // bit-string, 10 bits @5
        "05 FFFFFFFE"                  // int32 @9
        "06 00000102"                  // uint32 @14
        "09 02 0102"                   // octet-string @19
        "0A 01 41"                     // visible-string @23
        "0C 01 42"                     // utf8-string @26
        "0D 12"                        // bcd @29
        "0F FF"                        // int8 @31
        "10 FFFE"                      // int16 @33
        "11 2A"                        // uint8 @36
        "12 0102"                      // uint16 @38
        "14 FFFFFFFFFFFFFFFF"          // int64 @41
        "15 0000000000000001"          // uint64 @50
        "16 1E"                        // enum @59
        "17 3F800000"                  // float32 @61
        "18 3FF0000000000000"          // float64 @66
        "19 07E50713010F2E2300FF8880"  // date-time @75
        "1A 07E5071301"                // date @88
        "1B 0F2E2300"                  // time @94
        "01 00");                      // empty array @99
  std::size_t consumed = 0;
  auto steps = walk(bytes, {}, &consumed);
  ASSERT_TRUE(steps) << steps.error().describe();
  const std::vector<Step> expected{
      open(Tag::structure, 0, 22, 1),
      leaf(Tag::null_data, 2, "", 1),
      leaf(Tag::boolean, 3, "01", 1),
      leaf(Tag::bit_string, 5, "c040", 1),
      leaf(Tag::int32, 9, "fffffffe", 1),
      leaf(Tag::uint32, 14, "00000102", 1),
      leaf(Tag::octet_string, 19, "0102", 1),
      leaf(Tag::visible_string, 23, "41", 1),
      leaf(Tag::utf8_string, 26, "42", 1),
      leaf(Tag::bcd, 29, "12", 1),
      leaf(Tag::int8, 31, "ff", 1),
      leaf(Tag::int16, 33, "fffe", 1),
      leaf(Tag::uint8, 36, "2a", 1),
      leaf(Tag::uint16, 38, "0102", 1),
      leaf(Tag::int64, 41, "ffffffffffffffff", 1),
      leaf(Tag::uint64, 50, "0000000000000001", 1),
      leaf(Tag::enum_, 59, "1e", 1),
      leaf(Tag::float32, 61, "3f800000", 1),
      leaf(Tag::float64, 66, "3ff0000000000000", 1),
      leaf(Tag::date_time, 75, "07e50713010f2e2300ff8880", 1),
      leaf(Tag::date, 88, "07e5071301", 1),
      leaf(Tag::time, 94, "0f2e2300", 1),
      open(Tag::array, 99, 0, 2),
      close(Tag::array, 101, 2),
      close(Tag::structure, 101, 1),
      end(101),
  };
  EXPECT_EQ(*steps, expected);
  EXPECT_EQ(consumed, bytes.size());
}

TEST(AxdrCursor, BitStringKeepsItsLengthInBits) {
  const auto bytes = H("04 0A C040");
  ByteReader r(bytes, Layer::dlms, "test");
  AxdrCursor cursor(r, {});
  auto item = cursor.next();
  ASSERT_TRUE(item);
  EXPECT_EQ(item->bits, 10u);
  EXPECT_EQ(item->count, 2u);
  EXPECT_EQ(item->size, 4u);
}

TEST(AxdrCursor, EveryLengthForm) {
  for (const char* form : {"", "81", "82 00", "83 0000", "84 000000"}) {
    // An octet-string of 3 bytes and a structure of 3 elements, the length in this form.
    const std::string prefix(form);
    const std::string length = prefix.empty() ? "03" : prefix + " 03";
    const auto octets = H("09 " + length + " 010203");
    auto s = walk(octets);
    ASSERT_TRUE(s) << form << ": " << s.error().describe();
    EXPECT_EQ((*s)[0], leaf(Tag::octet_string, 0, "010203", 0)) << form;

    const auto structure = H("02 " + length + " 00 00 00");
    std::size_t consumed = 0;
    auto c = walk(structure, {}, &consumed);
    ASSERT_TRUE(c) << form << ": " << c.error().describe();
    EXPECT_EQ((*c)[0], open(Tag::structure, 0, 3, 1)) << form;
    EXPECT_EQ(c->size(), 1u + 3u + 2u);  // open, three nulls, close, end
    EXPECT_EQ(consumed, structure.size());
  }
  // Indefinite (0x80) and longer than four length bytes are not A-XDR lengths.
  for (const char* bad : {"09 80 00", "09 85 0000000001 00", "01 80"}) {
    auto s = walk(H(bad));
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::decode) << bad;
    EXPECT_NE(s.error().message.find("invalid A-XDR length form"), std::string::npos)
        << s.error().message;
  }
}

// `levels` nested structures of one element around a null.
std::vector<std::uint8_t> nested(std::size_t levels) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < levels; ++i) {
    out.push_back(0x02);
    out.push_back(0x01);
  }
  out.push_back(0x00);
  return out;
}

TEST(AxdrCursor, DepthLimitAtAndOnePast) {
  AxdrLimits limits;
  limits.max_depth = 5;
  auto at = walk(nested(5), limits);
  ASSERT_TRUE(at) << at.error().describe();
  auto past = walk(nested(6), limits);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::length);
  EXPECT_EQ(past.error().offset, 10u);  // the sixth structure's header
  EXPECT_EQ(past.error().message, "test: A-XDR nesting deeper than 5");
}

TEST(AxdrCursor, ElementLimitAtAndOnePast) {
  AxdrLimits limits;
  limits.max_elements = 3;
  EXPECT_TRUE(walk(H("01 03 00 00 00"), limits));
  auto past = walk(H("01 04 00 00 00 00"), limits);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::length);
  EXPECT_EQ(past.error().offset, 0u);
  EXPECT_EQ(past.error().message, "test: array of 4 elements exceeds the limit of 3");
  // The long form is checked the same way.
  auto long_form = walk(H("02 82 0004 00 00 00 00"), limits);
  ASSERT_FALSE(long_form);
  EXPECT_EQ(long_form.error().message, "test: structure of 4 elements exceeds the limit of 3");
}

TEST(AxdrCursor, NodeLimitAtAndOnePast) {
  // A structure of four nulls is five values.
  const auto bytes = H("02 04 00 00 00 00");
  AxdrLimits limits;
  limits.max_nodes = 5;
  EXPECT_TRUE(walk(bytes, limits));
  limits.max_nodes = 4;
  auto past = walk(bytes, limits);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::length);
  EXPECT_EQ(past.error().offset, 5u);  // the fifth value, the last null
  EXPECT_EQ(past.error().message, "test: more than 4 A-XDR values");
}

TEST(AxdrCursor, StringLengthLimitAtAndOnePast) {
  AxdrLimits limits;
  limits.max_string_length = 3;
  EXPECT_TRUE(walk(H("09 03 010203"), limits));
  EXPECT_TRUE(walk(H("04 18 010203"), limits));  // 24 bits = 3 bytes
  auto past = walk(H("0A 04 41424344"), limits);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, ErrorCode::length);
  EXPECT_EQ(past.error().message, "test: visible-string of 4 bytes exceeds the limit of 3");
  auto bits = walk(H("04 19 01020304"), limits);  // 25 bits = 4 bytes
  ASSERT_FALSE(bits);
  EXPECT_EQ(bits.error().message, "test: bit-string of 4 bytes exceeds the limit of 3");
}

TEST(AxdrCursor, ErrorsKeepTheirMessagesAndOffsets) {
  struct Case {
    const char* hex;
    ErrorCode code;
    std::size_t offset;
    const char* message;
  };
  for (const Case& c : {
           Case{"02 02 11 05 07 00", ErrorCode::decode, 104, "test: unknown A-XDR tag 0x07"},
           Case{"12 09", ErrorCode::incomplete, 101, "uint16: expected 2 bytes, 1 left"},
           Case{"02 02 11 05 09 05 01", ErrorCode::incomplete, 106,
                "octet-string: expected 5 bytes, 1 left"},
           Case{"01 03 00", ErrorCode::incomplete, 100,
                "test: array of 3 elements, only 1 bytes left"},
           Case{"", ErrorCode::incomplete, 100, "test: expected 1 bytes, 0 left"},
       }) {
    auto s = walk(H(c.hex), {}, nullptr, 100);
    ASSERT_FALSE(s) << c.hex;
    EXPECT_EQ(s.error().code, c.code) << c.hex;
    EXPECT_EQ(s.error().offset, c.offset) << c.hex;
    EXPECT_EQ(s.error().message, c.message) << c.hex;
    EXPECT_EQ(s.error().layer, Layer::dlms);
  }
}

// The body of a real push (a data-notification's value), from a vector's plaintext;
// nullopt when the plaintext is something else (an event report, ...).
std::optional<std::vector<std::uint8_t>> push_body(const std::string& id,
                                                   std::size_t* body_offset = nullptr) {
  auto plaintext = test::hex_file(id, "plaintext.hex");
  if (!plaintext || plaintext->empty() || (*plaintext)[0] != apdu_tag::data_notification) {
    return std::nullopt;
  }
  ByteReader r(*plaintext, Layer::dlms, "data-notification");
  auto header = read_notification_header(r);
  if (!header) return std::nullopt;
  if (body_offset != nullptr) *body_offset = r.offset();
  const auto body = r.rest();
  return std::vector<std::uint8_t>(body.begin(), body.end());
}

TEST(AxdrCursor, EveryCutOfARealPushIsIncomplete) {
  const auto pushed = push_body("AT-TINETZ-KFM-DOC-EXAMPLE");
  ASSERT_TRUE(pushed);
  const auto& body = *pushed;
  ASSERT_GT(body.size(), 100u);
  std::size_t consumed = 0;
  ASSERT_TRUE(walk(body, {}, &consumed));
  EXPECT_EQ(consumed, body.size());
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    auto s = walk(std::span(body).first(cut));
    ASSERT_FALSE(s) << "cut at " << cut;
    EXPECT_EQ(s.error().code, ErrorCode::incomplete)
        << "cut at " << cut << ": " << s.error().describe();
  }
}

// decode_value's tree, flattened into the items the cursor yields for it.
void flatten(const Value& v, std::size_t depth, std::vector<Step>& out) {
  if (const auto* kids = v.children()) {
    out.push_back(open(v.tag, v.offset, kids->size(), depth + 1));
    for (const auto& kid : *kids) flatten(kid, depth + 1, out);
    out.push_back(close(v.tag, 0, depth + 1));
    return;
  }
  out.push_back(Step{Kind::leaf, v.tag, v.offset, 0, depth, ""});
}

TEST(AxdrCursor, AgreesWithDecodeValueOnEveryVector) {
  std::size_t checked = 0;
  for (const auto& id : test::vector_ids()) {
    std::size_t body_offset = 0;
    const auto pushed = push_body(id, &body_offset);
    if (!pushed) continue;
    const auto& body = *pushed;
    std::size_t consumed = 0;
    auto steps = walk(body, {}, &consumed, body_offset);
    ByteReader r(body, Layer::dlms, "test", body_offset);
    auto tree = decode_value(r);
    ASSERT_EQ(steps.has_value(), tree.has_value()) << id;
    if (!tree) {
      EXPECT_EQ(steps.error().describe(), tree.error().describe()) << id;
      continue;
    }
    EXPECT_EQ(consumed, r.position()) << id;
    auto length = encoded_length(body);
    ASSERT_TRUE(length) << id;
    EXPECT_EQ(*length, consumed) << id;
    // Same items in the same order (content and close offsets compared as the tree keeps
    // them: leaves by tag and offset, closes by tag and level).
    std::vector<Step> expected;
    flatten(*tree, 0, expected);
    expected.push_back(end(0));
    std::vector<Step> got = *steps;
    for (auto& s : got) {
      if (s.kind == Kind::leaf) s.count = 0, s.content.clear();
      if (s.kind == Kind::close || s.kind == Kind::end) s.offset = 0;
    }
    EXPECT_EQ(got, expected) << id;
    ++checked;
  }
  EXPECT_GT(checked, 10u);
}

TEST(AxdrCursor, TryIntegerReadsEveryIntegerKind) {
  const auto bytes = H("02 05 03 07 0F FE 15 FFFFFFFFFFFFFFFF 12 0102 0D 99");
  ByteReader r(bytes, Layer::dlms, "test");
  AxdrCursor cursor(r, {});
  IntegerLeaf v;
  EXPECT_FALSE(cursor.try_integer(v));  // a structure comes first: nothing read
  EXPECT_EQ(r.position(), 0u);
  ASSERT_TRUE(cursor.next());
  EXPECT_EQ(cursor.peek_tag(), 0x03);
  std::int64_t out = 0;
  ASSERT_TRUE(cursor.try_integer(v));
  EXPECT_EQ(v.kind, IntegerKind::boolean);
  EXPECT_TRUE(v.as_int64(out));
  EXPECT_EQ(out, 1);
  ASSERT_TRUE(cursor.try_integer(v));
  EXPECT_EQ(v.tag, Tag::int8);
  EXPECT_EQ(v.offset, 4u);
  EXPECT_TRUE(v.as_int64(out));
  EXPECT_EQ(out, -2);
  ASSERT_TRUE(cursor.try_integer(v));
  EXPECT_EQ(v.kind, IntegerKind::unsigned_int);
  EXPECT_FALSE(v.as_int64(out));  // beyond INT64_MAX
  EXPECT_EQ(v.bits, ~std::uint64_t{0});
  ASSERT_TRUE(cursor.try_integer(v));
  EXPECT_TRUE(v.as_int64(out));
  EXPECT_EQ(out, 0x0102);
  ASSERT_TRUE(cursor.try_integer(v));
  EXPECT_EQ(v.tag, Tag::bcd);
  EXPECT_EQ(v.bits, 0x99u);
  // The structure's five elements are read: a close comes next, not a value.
  EXPECT_FALSE(cursor.peek_tag());
  EXPECT_FALSE(cursor.try_integer(v));
  auto item = cursor.next();
  ASSERT_TRUE(item);
  EXPECT_EQ(item->kind, Kind::close);
  item = cursor.next();
  ASSERT_TRUE(item);
  EXPECT_EQ(item->kind, Kind::end);
  EXPECT_EQ(r.position(), bytes.size());
}

TEST(AxdrCursor, TryReadersTakeNothingWhereNextWouldFail) {
  AxdrLimits limits;
  limits.max_nodes = 2;
  // The third value is one past the node limit: the fast readers decline it and next()
  // reports the limit.
  const auto bytes = H("02 02 11 01 09 01 41");
  ByteReader r(bytes, Layer::dlms, "test");
  AxdrCursor cursor(r, limits);
  ASSERT_TRUE(cursor.next());
  IntegerLeaf v;
  ASSERT_TRUE(cursor.try_integer(v));
  StringLeaf s;
  EXPECT_FALSE(cursor.try_string(s));
  EXPECT_EQ(r.position(), 4u);
  auto item = cursor.next();
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().message, "test: more than 2 A-XDR values");

  // Cut short: declined, and next() says incomplete.
  for (const char* cut : {"12 01", "09 02 41", "09"}) {
    const auto short_bytes = H(cut);
    ByteReader rs(short_bytes, Layer::dlms, "test");
    AxdrCursor c(rs, {});
    EXPECT_FALSE(c.try_integer(v)) << cut;
    EXPECT_FALSE(c.try_string(s)) << cut;
    EXPECT_EQ(rs.position(), 0u) << cut;
    auto n = c.next();
    ASSERT_FALSE(n) << cut;
    EXPECT_EQ(n.error().code, ErrorCode::incomplete) << cut;
  }
}

TEST(AxdrCursor, TryStringViewsTheContent) {
  const auto bytes = H("02 03 09 06 0100010800FF 0A 02 4142 0C 00");
  ByteReader r(bytes, Layer::dlms, "test");
  AxdrCursor cursor(r, {});
  ASSERT_TRUE(cursor.next());
  StringLeaf s;
  IntegerLeaf v;
  EXPECT_FALSE(cursor.try_integer(v));
  ASSERT_TRUE(cursor.try_string(s));
  EXPECT_EQ(s.tag, Tag::octet_string);
  EXPECT_EQ(s.offset, 2u);
  EXPECT_EQ(to_hex_lower(s.content), "0100010800ff");
  ASSERT_TRUE(cursor.try_string(s));
  EXPECT_EQ(s.tag, Tag::visible_string);
  EXPECT_EQ(to_hex_lower(s.content), "4142");
  ASSERT_TRUE(cursor.try_string(s));
  EXPECT_EQ(s.tag, Tag::utf8_string);
  EXPECT_TRUE(s.content.empty());
  EXPECT_EQ(cursor.values(), 4u);
  EXPECT_EQ(cursor.left_in_container(), 0u);
  EXPECT_EQ(cursor.depth(), 1u);
}

// The run readers, one item at a time.
bool try_octets_integer(AxdrCursor& cursor, std::size_t length, StringLeaf& name,
                        IntegerLeaf& value) {
  return cursor.take_octets_integers(
             length,
             [&](const StringLeaf& n, const IntegerLeaf& v) {
               name = n;
               value = v;
               return true;
             },
             1) == 1;
}
bool try_register(AxdrCursor& cursor, RegisterLeaves& out) {
  return cursor.take_registers(
             [&](const RegisterLeaves& r) {
               out = r;
               return true;
             },
             1) == 1;
}

TEST(AxdrCursor, PairAndRegisterReaders) {
  // structure {OBIS code, uint32, structure {OBIS code, uint16, structure {int8, enum}}}
  const auto bytes =
      H("02 03 09 06 0100010800FF 06 00000007"
        "02 03 09 06 0100200700FF 12 0903 02 02 0F FF 16 23");
  ByteReader r(bytes, Layer::dlms, "test");
  AxdrCursor cursor(r, {});
  StringLeaf name;
  IntegerLeaf value;
  RegisterLeaves reg;
  EXPECT_FALSE(try_register(cursor, reg));  // the outer structure has 3 elements, no name
  ASSERT_TRUE(cursor.next());
  EXPECT_FALSE(try_octets_integer(cursor, 5, name, value));  // the length differs
  EXPECT_FALSE(try_register(cursor, reg));
  ASSERT_TRUE(try_octets_integer(cursor, 6, name, value));
  EXPECT_EQ(name.offset, 2u);
  EXPECT_EQ(to_hex_lower(name.content), "0100010800ff");
  EXPECT_EQ(value.tag, Tag::uint32);
  EXPECT_EQ(value.offset, 10u);
  EXPECT_EQ(value.bits, 7u);
  EXPECT_FALSE(try_octets_integer(cursor, 6, name, value));  // one element left
  ASSERT_TRUE(try_register(cursor, reg));
  EXPECT_EQ(to_hex_lower(reg.name), "0100200700ff");
  EXPECT_EQ(reg.value.tag, Tag::uint16);
  EXPECT_EQ(reg.value.offset, 25u);
  EXPECT_EQ(reg.value.bits, 0x0903u);
  EXPECT_EQ(reg.scaler.offset, 30u);
  EXPECT_EQ(static_cast<std::int64_t>(reg.scaler.bits), -1);
  EXPECT_EQ(reg.unit, 0x23);
  EXPECT_EQ(cursor.values(), 9u);
  auto item = cursor.next();
  ASSERT_TRUE(item);
  EXPECT_EQ(item->kind, Kind::close);
  EXPECT_EQ(r.position(), bytes.size());

  // A run stops where `take` says so, before that pair.
  {
    ByteReader rr(bytes, Layer::dlms, "test");
    AxdrCursor c(rr, {});
    ASSERT_TRUE(c.next());
    EXPECT_EQ(
        c.take_octets_integers(6, [](const StringLeaf&, const IntegerLeaf&) { return false; }), 0u);
    EXPECT_EQ(rr.position(), 2u);
    EXPECT_EQ(c.values(), 1u);
  }

  // Declined where next() would fail: the depth of the scaler-unit, the values.
  const auto inner = std::span(bytes).subspan(15);
  for (const auto& [depth, nodes] : {std::pair<std::size_t, std::size_t>{1, 100}, {2, 5}}) {
    AxdrLimits limits;
    limits.max_depth = depth;
    limits.max_nodes = nodes;
    ByteReader ri(inner, Layer::dlms, "test");
    AxdrCursor c(ri, limits);
    EXPECT_FALSE(try_register(c, reg)) << depth << " " << nodes;
    EXPECT_EQ(ri.position(), 0u);
    bool failed = false;
    for (AxdrItem it; !failed;) {
      failed = !c.step(it);
      if (!failed && it.kind == Kind::end) break;
    }
    EXPECT_TRUE(failed) << depth << " " << nodes;
  }
  AxdrLimits exact;
  exact.max_depth = 2;
  exact.max_nodes = 6;
  ByteReader re(inner, Layer::dlms, "test");
  AxdrCursor e(re, exact);
  EXPECT_TRUE(try_register(e, reg));
}

bool try_named_string(AxdrCursor& cursor, NamedStringLeaves& out) {
  return cursor.take_named_strings(
             [&](const NamedStringLeaves& n) {
               out = n;
               return true;
             },
             1) == 1;
}

TEST(AxdrCursor, NamedStringReader) {
  // structure {structure {OBIS code, visible-string}, structure {OBIS code, octet-string},
  // structure {OBIS code, uint8}}
  const auto bytes =
      H("02 03 02 02 09 06 0000600100FF 0A 07 41424344454647"
        "02 02 09 06 00002A0000FF 09 00"
        "02 02 09 06 0100010800FF 11 07");
  ByteReader r(bytes, Layer::dlms, "test");
  AxdrCursor cursor(r, {});
  NamedStringLeaves named;
  EXPECT_FALSE(try_named_string(cursor, named));  // the outer structure has 3 elements
  ASSERT_TRUE(cursor.next());
  ASSERT_TRUE(try_named_string(cursor, named));
  EXPECT_EQ(named.offset, 2u);
  EXPECT_EQ(to_hex_lower(named.name), "0000600100ff");
  EXPECT_EQ(named.name_offset, 4u);
  EXPECT_EQ(named.value.tag, Tag::visible_string);
  EXPECT_EQ(named.value.offset, 12u);
  EXPECT_EQ(to_hex_lower(named.value.content), "41424344454647");
  EXPECT_EQ(cursor.values(), 4u);
  EXPECT_EQ(cursor.left_in_container(), 2u);
  // The run takes the next one and stops before the {OBIS code, integer} structure.
  std::size_t seen = 0;
  EXPECT_EQ(cursor.take_named_strings([&](const NamedStringLeaves& n) {
    EXPECT_EQ(n.value.tag, Tag::octet_string);
    EXPECT_TRUE(n.value.content.empty());
    return ++seen > 0;
  }),
            1u);
  EXPECT_EQ(r.position(), 33u);
  EXPECT_EQ(cursor.values(), 7u);
  EXPECT_FALSE(try_named_string(cursor, named));
  EXPECT_EQ(r.position(), 33u);

  // Declined where next() would fail: the depth, the values, the string length.
  const auto inner = std::span(bytes).subspan(2, 19);
  AxdrLimits depth;
  depth.max_depth = 0;
  AxdrLimits nodes;
  nodes.max_nodes = 2;
  AxdrLimits length;
  length.max_string_length = 6;  // the name fits, the value does not
  for (const AxdrLimits& limits : {depth, nodes, length}) {
    ByteReader ri(inner, Layer::dlms, "test");
    AxdrCursor c(ri, limits);
    EXPECT_FALSE(try_named_string(c, named));
    EXPECT_EQ(ri.position(), 0u);
    bool failed = false;
    for (AxdrItem it; !failed;) {
      failed = !c.step(it);
      if (!failed && it.kind == Kind::end) break;
    }
    EXPECT_TRUE(failed);
  }
  AxdrLimits exact;
  exact.max_depth = 1;
  exact.max_nodes = 3;
  exact.max_string_length = 7;
  ByteReader re(inner, Layer::dlms, "test");
  AxdrCursor e(re, exact);
  EXPECT_TRUE(try_named_string(e, named));
  // Cut short: declined, and next() then says incomplete.
  ByteReader rc(inner.first(inner.size() - 1), Layer::dlms, "test");
  AxdrCursor c(rc, {});
  EXPECT_FALSE(try_named_string(c, named));
  EXPECT_EQ(rc.position(), 0u);
}

}  // namespace
}  // namespace sm::dlms
