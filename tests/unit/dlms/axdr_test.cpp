// A-XDR decoder: every type, length forms, limits, hostile input.
#include "dlms/axdr.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

#include <gtest/gtest.h>

#include "alloc_probe.h"
#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::H;

// A value's bytes (a std::pmr::vector) as the std::vector H() makes.
std::vector<std::uint8_t> plain(const Bytes& bytes) {
  return {bytes.begin(), bytes.end()};
}

Result<Value> decode(const std::vector<std::uint8_t>& bytes, const AxdrLimits& limits = {},
                     Annotations* notes = nullptr, std::size_t* consumed = nullptr) {
  ByteReader r(bytes, Layer::dlms, "test");
  auto v = decode_value(r, limits, notes);
  if (consumed != nullptr) *consumed = r.position();
  return v;
}

// decode_value and encoded_length must agree on how many bytes one value takes.
void expect_lengths_agree(const std::vector<std::uint8_t>& bytes, const AxdrLimits& limits = {}) {
  std::size_t consumed = 0;
  auto v = decode(bytes, limits, nullptr, &consumed);
  auto n = encoded_length(bytes, limits);
  ASSERT_EQ(v.has_value(), n.has_value()) << to_hex(bytes);
  if (v) {
    EXPECT_EQ(*n, consumed) << to_hex(bytes);
  } else {
    EXPECT_EQ(v.error().code, n.error().code)
        << v.error().describe() << " / " << n.error().describe();
  }
}

std::int64_t signed_of(const Value& v) {
  return std::get<std::int64_t>(v.data);
}
std::uint64_t unsigned_of(const Value& v) {
  return std::get<std::uint64_t>(v.data);
}

TEST(Axdr, TagNamesComeFromTheTable) {
  EXPECT_EQ(tag_name(Tag::uint16), "uint16");
  EXPECT_EQ(tag_name(Tag::structure), "structure");
  EXPECT_EQ(tag_name(Tag::octet_string), "octet-string");
  EXPECT_EQ(tag_name(Tag::date_time), "date-time");
  EXPECT_EQ(tag_name(static_cast<Tag>(0x07)), "unknown");
}

TEST(Axdr, NullAndBoolean) {
  auto n = decode(H("00"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->tag, Tag::null_data);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(n->data));
  auto t = decode(H("03 01"));
  ASSERT_TRUE(t);
  EXPECT_TRUE(std::get<bool>(t->data));
  auto f = decode(H("03 00"));
  ASSERT_TRUE(f);
  EXPECT_FALSE(std::get<bool>(f->data));
}

TEST(Axdr, SignedIntegersSignExtend) {
  EXPECT_EQ(signed_of(*decode(H("0F FF"))), -1);
  EXPECT_EQ(signed_of(*decode(H("0F 80"))), -128);
  EXPECT_EQ(signed_of(*decode(H("0F 7F"))), 127);
  EXPECT_EQ(signed_of(*decode(H("10 FF9C"))), -100);
  EXPECT_EQ(signed_of(*decode(H("10 7FFF"))), 32767);
  EXPECT_EQ(signed_of(*decode(H("05 FFFFFFFE"))), -2);
  EXPECT_EQ(signed_of(*decode(H("05 80000000"))), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(signed_of(*decode(H("14 8000000000000000"))), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(signed_of(*decode(H("14 0000000000000001"))), 1);
}

TEST(Axdr, UnsignedIntegersEnumAndBcd) {
  EXPECT_EQ(unsigned_of(*decode(H("11 FF"))), 255u);
  EXPECT_EQ(unsigned_of(*decode(H("12 0904"))), 2308u);
  EXPECT_EQ(unsigned_of(*decode(H("06 00328902"))), 0x328902u);
  EXPECT_EQ(unsigned_of(*decode(H("15 FFFFFFFFFFFFFFFF"))),
            std::numeric_limits<std::uint64_t>::max());
  auto e = decode(H("16 1E"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->tag, Tag::enum_);
  EXPECT_EQ(unsigned_of(*e), 30u);
  auto bcd = decode(H("0D 99"));
  ASSERT_TRUE(bcd);
  EXPECT_EQ(unsigned_of(*bcd), 0x99u);
  EXPECT_TRUE(bcd->is_integer());
}

TEST(Axdr, NumericAccessors) {
  std::int64_t out = 0;
  auto big = decode(H("15 FFFFFFFFFFFFFFFF"));
  ASSERT_TRUE(big);
  EXPECT_FALSE(big->as_int64(out));
  EXPECT_DOUBLE_EQ(big->as_double(), 18446744073709551615.0);
  auto small = decode(H("15 0000000000000005"));
  ASSERT_TRUE(small->as_int64(out));
  EXPECT_EQ(out, 5);
  auto neg = decode(H("10 FFFE"));
  ASSERT_TRUE(neg->as_int64(out));
  EXPECT_EQ(out, -2);
  EXPECT_TRUE(neg->is_integer());
  EXPECT_TRUE(neg->is_number());
  EXPECT_FALSE(neg->is_octets());
  EXPECT_EQ(neg->bytes(), nullptr);
  EXPECT_EQ(neg->children(), nullptr);
  auto text = decode(H("0A 03 414243"));
  EXPECT_FALSE(text->as_int64(out));
  EXPECT_DOUBLE_EQ(text->as_double(), 0.0);
  EXPECT_FALSE(text->is_number());
}

TEST(Axdr, FloatsAreIeeeBigEndian) {
  auto f = decode(H("17 3FC00000"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tag, Tag::float32);
  EXPECT_DOUBLE_EQ(std::get<double>(f->data), 1.5);
  auto neg = decode(H("17 C2C80000"));
  EXPECT_DOUBLE_EQ(std::get<double>(neg->data), -100.0);
  auto d = decode(H("18 400921FB54442D18"));
  ASSERT_TRUE(d);
  EXPECT_DOUBLE_EQ(std::get<double>(d->data), 3.141592653589793);
  EXPECT_TRUE(d->is_number());
  EXPECT_FALSE(d->is_integer());
}

TEST(Axdr, Strings) {
  auto o = decode(H("09 06 0100200700FF"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->tag, Tag::octet_string);
  ASSERT_NE(o->bytes(), nullptr);
  EXPECT_EQ(plain(*o->bytes()), H("0100200700FF"));
  EXPECT_TRUE(o->is_octets());
  auto v = decode(H("0A 08 3834383935313236"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->tag, Tag::visible_string);
  EXPECT_EQ(std::string(v->bytes()->begin(), v->bytes()->end()), "84895126");
  auto u = decode(H("0C 02 C3A4"));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->tag, Tag::utf8_string);
  EXPECT_EQ(plain(*u->bytes()), H("C3A4"));
  auto empty = decode(H("09 00"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->bytes()->empty());
}

TEST(Axdr, BitStringLengthIsInBits) {
  auto b = decode(H("04 0A C040"));  // 10 bits -> 2 bytes
  ASSERT_TRUE(b);
  EXPECT_EQ(b->tag, Tag::bit_string);
  EXPECT_EQ(b->bit_length, 10u);
  EXPECT_EQ(plain(*b->bytes()), H("C040"));
  auto eight = decode(H("04 08 A5"));
  ASSERT_TRUE(eight);
  EXPECT_EQ(eight->bytes()->size(), 1u);
  auto none = decode(H("04 00"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->bytes()->empty());
  auto short_bits = decode(H("04 09 FF"));  // 9 bits need 2 bytes
  ASSERT_FALSE(short_bits);
  EXPECT_EQ(short_bits.error().code, ErrorCode::incomplete);
}

TEST(Axdr, FixedSizeDateTimeDateTime) {
  auto dt = decode(H("19 07E50713010F2E2300FF8880"));
  ASSERT_TRUE(dt);
  EXPECT_EQ(dt->tag, Tag::date_time);
  EXPECT_EQ(dt->bytes()->size(), 12u);
  auto d = decode(H("1A 07E5071301"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->bytes()->size(), 5u);
  auto t = decode(H("1B 0F2E2300"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bytes()->size(), 4u);
  EXPECT_FALSE(decode(H("19 07E507")));
}

TEST(Axdr, ContainersNestAndKeepOffsets) {
  // structure { octet-string OBIS, uint16, structure { int8, enum } }
  const auto bytes = H("02 03 09 06 0100200700FF 12 0904 02 02 0F FF 16 23");
  auto v = decode(bytes);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->is_container());
  const auto* kids = v->children();
  ASSERT_NE(kids, nullptr);
  ASSERT_EQ(kids->size(), 3u);
  EXPECT_EQ((*kids)[0].offset, 2u);
  EXPECT_EQ((*kids)[1].tag, Tag::uint16);
  EXPECT_EQ((*kids)[1].offset, 10u);
  const auto& su = (*kids)[2];
  ASSERT_EQ(su.children()->size(), 2u);
  EXPECT_EQ(signed_of((*su.children())[0]), -1);
  EXPECT_EQ(unsigned_of((*su.children())[1]), 35u);
  EXPECT_EQ((*su.children())[1].offset, 17u);
  expect_lengths_agree(bytes);

  auto arr = decode(H("01 02 12 0001 12 0002"));
  ASSERT_TRUE(arr);
  EXPECT_EQ(arr->tag, Tag::array);
  EXPECT_EQ(arr->children()->size(), 2u);
  auto empty = decode(H("01 00"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->children()->empty());
}

TEST(Axdr, DecodeStopsAfterOneValue) {
  const auto bytes = H("12 0001 12 0002");
  std::size_t consumed = 0;
  ASSERT_TRUE(decode(bytes, {}, nullptr, &consumed));
  EXPECT_EQ(consumed, 3u);
  EXPECT_EQ(encoded_length(bytes).value(), 3u);
}

TEST(Axdr, ReadLengthForms) {
  auto len = [](const std::vector<std::uint8_t>& b) {
    ByteReader r(b, Layer::dlms, "len");
    return read_length(r);
  };
  EXPECT_EQ(len(H("00")).value(), 0u);
  EXPECT_EQ(len(H("7F")).value(), 127u);
  EXPECT_EQ(len(H("81 80")).value(), 128u);
  EXPECT_EQ(len(H("81 05")).value(), 5u);  // non-minimal long form is accepted
  EXPECT_EQ(len(H("82 0109")).value(), 265u);
  EXPECT_EQ(len(H("83 010000")).value(), 65536u);
  EXPECT_EQ(len(H("84 FFFFFFFF")).value(), 0xFFFFFFFFu);
  EXPECT_EQ(len(H("80")).error().code, ErrorCode::decode);  // indefinite form
  EXPECT_EQ(len(H("85 0000000001")).error().code, ErrorCode::decode);
  EXPECT_EQ(len(H("82 01")).error().code, ErrorCode::incomplete);
  EXPECT_EQ(len(H("")).error().code, ErrorCode::incomplete);
}

TEST(Axdr, WriteLengthRoundTrips) {
  for (std::size_t n : {0u, 1u, 127u, 128u, 255u, 256u, 65535u, 65536u, 0x01000000u}) {
    std::vector<std::uint8_t> out;
    write_length(out, n);
    ByteReader r(out, Layer::dlms, "len");
    auto back = read_length(r);
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, n);
    EXPECT_TRUE(r.empty());
  }
  std::vector<std::uint8_t> out;
  write_length(out, 0xF8);
  EXPECT_EQ(out, H("81F8"));
}

TEST(Axdr, LongFormStringLengths) {
  for (const char* prefix : {"09 81 80", "09 82 0080", "09 83 000080", "09 84 00000080"}) {
    auto bytes = H(prefix);
    bytes.resize(bytes.size() + 128, 0xAB);
    std::size_t consumed = 0;
    auto v = decode(bytes, {}, nullptr, &consumed);
    ASSERT_TRUE(v) << prefix;
    EXPECT_EQ(v->bytes()->size(), 128u);
    EXPECT_EQ(consumed, bytes.size());
    expect_lengths_agree(bytes);
  }
}

TEST(Axdr, OversizedStringLengthFailsWithoutAllocating) {
  const auto bytes = H("09 84 FFFFFFFF 00 01 02");
  test::alloc_probe_start();
  auto v = decode(bytes);
  auto stats = test::alloc_probe_stop();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::length);  // over max_string_length
  EXPECT_LT(stats.largest, 4096u);

  // With the ceiling lifted the same input is simply short: still no allocation.
  AxdrLimits open;
  open.max_string_length = std::numeric_limits<std::size_t>::max();
  test::alloc_probe_start();
  auto w = decode(bytes, open);
  stats = test::alloc_probe_stop();
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::incomplete);
  EXPECT_LT(stats.largest, 4096u);
  expect_lengths_agree(bytes);
  expect_lengths_agree(bytes, open);
}

TEST(Axdr, HugeElementCountsFailWithoutAllocating) {
  for (const char* hex : {"01 84 FFFFFFFF 00 00", "02 84 7FFFFFFF 00", "01 82 0401 00"}) {
    const auto bytes = H(hex);
    test::alloc_probe_start();
    auto v = decode(bytes);
    auto stats = test::alloc_probe_stop();
    ASSERT_FALSE(v) << hex;
    EXPECT_EQ(v.error().code, ErrorCode::length) << hex;  // over max_elements
    EXPECT_LT(stats.largest, 4096u) << hex;
    expect_lengths_agree(bytes);
  }
  // Within max_elements but more elements than bytes left: incomplete, decided up front.
  const auto bytes = H("01 82 0400 00 00 00");
  auto v = decode(bytes);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::incomplete);
  EXPECT_EQ(v.error().offset, 0u);
  expect_lengths_agree(bytes);
}

TEST(Axdr, NestingDepthIsLimited) {
  std::vector<std::uint8_t> deep;
  for (int i = 0; i < 10000; ++i) {
    deep.push_back(0x01);
    deep.push_back(0x01);
  }
  deep.push_back(0x00);
  test::alloc_probe_start();
  auto v = decode(deep);
  auto stats = test::alloc_probe_stop();
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::length);
  EXPECT_EQ(v.error().offset, 32u);  // the 17th array header
  EXPECT_LT(stats.total, 64u * 1024u);
  auto n = encoded_length(deep);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::length);

  // Exactly max_depth levels are fine.
  std::vector<std::uint8_t> ok;
  for (int i = 0; i < 16; ++i) {
    ok.push_back(0x02);
    ok.push_back(0x01);
  }
  ok.push_back(0x00);
  EXPECT_TRUE(decode(ok));
  expect_lengths_agree(ok);
}

TEST(Axdr, DeepNestingWithARaisedLimitDoesNotRecurse) {
  // The decoder is iterative: a raised depth limit costs heap, not call stack.
  std::vector<std::uint8_t> deep;
  for (int i = 0; i < 3000; ++i) {
    deep.push_back(0x01);
    deep.push_back(0x01);
  }
  deep.push_back(0x11);
  deep.push_back(0x2A);
  AxdrLimits limits;
  limits.max_depth = 5000;
  std::size_t consumed = 0;
  auto v = decode(deep, limits, nullptr, &consumed);
  ASSERT_TRUE(v);
  EXPECT_EQ(consumed, deep.size());
  expect_lengths_agree(deep, limits);
  // Unwind the tree iteratively so the test itself does not recurse 3000 levels deep.
  Value cur = std::move(*v);
  while (cur.children() != nullptr && !cur.children()->empty()) {
    Value next = std::move(std::get<Children>(cur.data).front());
    cur = std::move(next);
  }
  EXPECT_EQ(std::get<std::uint64_t>(cur.data), 42u);
}

TEST(Axdr, NodeLimit) {
  std::vector<std::uint8_t> bytes = {0x02, 0x64};  // structure of 100 nulls
  bytes.resize(bytes.size() + 100, 0x00);
  AxdrLimits limits;
  limits.max_nodes = 50;
  auto v = decode(bytes, limits);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::length);
  expect_lengths_agree(bytes, limits);
  limits.max_nodes = 101;
  EXPECT_TRUE(decode(bytes, limits));
  expect_lengths_agree(bytes, limits);
}

TEST(Axdr, ElementLimitIsConfigurable) {
  const auto bytes = H("02 03 00 00 00");
  AxdrLimits limits;
  limits.max_elements = 2;
  auto v = decode(bytes, limits);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::length);
}

TEST(Axdr, UnknownTagReportsItsOffset) {
  const auto bytes = H("02 02 11 05 07 00");
  auto v = decode(bytes);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::decode);
  EXPECT_EQ(v.error().offset, 4u);
  EXPECT_EQ(v.error().layer, Layer::dlms);
  EXPECT_NE(v.error().message.find("0x07"), std::string::npos) << v.error().message;
  auto n = encoded_length(bytes);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().offset, 4u);
  // Offsets are absolute when the reader has a base.
  ByteReader r(bytes, Layer::dlms, "test", 100);
  auto w = decode_value(r);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().offset, 104u);
}

TEST(Axdr, TruncatedValuesAreIncomplete) {
  for (const char* hex : {"", "12", "12 09", "06 000000", "09 06 0100", "02 02 12 0001", "18 00"}) {
    const auto bytes = H(hex);
    auto v = decode(bytes);
    ASSERT_FALSE(v) << hex;
    EXPECT_EQ(v.error().code, ErrorCode::incomplete) << hex << ": " << v.error().describe();
    expect_lengths_agree(bytes);
  }
}

TEST(Axdr, ErrorsNameWhatWasParsed) {
  auto v = decode(H("12 09"));
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("uint16"), std::string::npos) << v.error().message;
}

TEST(Axdr, DecodeRestoresTheReadersName) {
  const auto bytes = H("12 0904");
  ByteReader r(bytes, Layer::dlms, "caller");
  ASSERT_TRUE(decode_value(r));
  EXPECT_EQ(r.what(), "caller");
}

TEST(Axdr, AnnotationsDescribeEachValue) {
  const auto bytes = H("02 03 09 06 0100200700FF 12 0904 02 02 0F FF 16 23");
  Annotations notes;
  ASSERT_TRUE(decode(bytes, {}, &notes));
  ASSERT_EQ(notes.size(), 6u);
  EXPECT_EQ(notes[0].meaning, "structure of 3");
  EXPECT_EQ(notes[0].offset, 0u);
  EXPECT_EQ(notes[0].length, 2u);
  EXPECT_EQ(notes[1].meaning, "octet-string[6] 1.0.32.7.0.255");
  EXPECT_EQ(notes[1].length, 8u);
  EXPECT_EQ(notes[2].meaning, "uint16 2308");
  EXPECT_EQ(notes[2].offset, 10u);
  EXPECT_EQ(notes[2].length, 3u);
  EXPECT_EQ(notes[4].meaning, "int8 -1");
  EXPECT_EQ(notes[5].meaning, "enum 35");
  for (const auto& n : notes) {
    EXPECT_EQ(n.space, "plaintext");
    EXPECT_EQ(n.layer, "axdr");
  }
  Annotations more;
  ASSERT_TRUE(decode(H("0A 03 414243"), {}, &more));
  EXPECT_EQ(more.back().meaning, "visible-string[3] \"ABC\"");
  ASSERT_TRUE(decode(H("09 0C 07E50713010F2E2300FF8880"), {}, &more));
  EXPECT_NE(more.back().meaning.find("2021-07-19T15:46:35+02:00"), std::string::npos)
      << more.back().meaning;
  ASSERT_TRUE(decode(H("19 07E50713010F2E2300FF8880"), {}, &more));
  EXPECT_EQ(more.back().meaning, "date-time 2021-07-19T15:46:35+02:00");
}

TEST(Axdr, EncodedLengthAllocatesNothing) {
  std::vector<std::uint8_t> bytes = {0x02, 0x20};
  for (int i = 0; i < 32; ++i) {
    for (auto b : H("02 03 09 06 0100200700FF 12 0904 02 02 0F FF 16 23")) bytes.push_back(b);
  }
  test::alloc_probe_start();
  auto n = encoded_length(bytes);
  auto stats = test::alloc_probe_stop();
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(*n, bytes.size());
  EXPECT_EQ(stats.count, 0u);
}

// ----- value trees in an arena -----------------------------------------------------------

void expect_same_tree(const Value& a, const Value& b) {
  ASSERT_EQ(a.tag, b.tag);
  ASSERT_EQ(a.offset, b.offset);
  ASSERT_EQ(a.bit_length, b.bit_length);
  ASSERT_EQ(a.data.index(), b.data.index()) << "at offset " << a.offset;
  if (const auto* kids = a.children()) {
    ASSERT_EQ(kids->size(), b.children()->size());
    for (std::size_t i = 0; i < kids->size(); ++i) expect_same_tree((*kids)[i], (*b.children())[i]);
  } else if (const auto* bytes = a.bytes()) {
    EXPECT_EQ(plain(*bytes), plain(*b.bytes()));
  } else if (const auto* u = std::get_if<std::uint64_t>(&a.data)) {
    EXPECT_EQ(*u, std::get<std::uint64_t>(b.data));
  } else if (const auto* i = std::get_if<std::int64_t>(&a.data)) {
    EXPECT_EQ(*i, std::get<std::int64_t>(b.data));
  } else if (const auto* d = std::get_if<double>(&a.data)) {
    EXPECT_EQ(*d, std::get<double>(b.data));
  } else if (const auto* flag = std::get_if<bool>(&a.data)) {
    EXPECT_EQ(*flag, std::get<bool>(b.data));
  }
}

// The body of the TINETZ push (KSM West): 12 nested {OBIS, value, {scaler, unit}} entries.
std::vector<std::uint8_t> tinetz_body() {
  auto plaintext = test::hex_file("AT-TINETZ-KFM-DOC-EXAMPLE", "plaintext.hex");
  EXPECT_TRUE(plaintext.has_value());
  if (!plaintext || plaintext->size() < 18) return {};
  return {plaintext->begin() + 18, plaintext->end()};  // after 0F, invoke id, date-time
}

TEST(Axdr, TreeInAnArenaEqualsTheHeapTree) {
  const auto body = tinetz_body();
  ASSERT_FALSE(body.empty());
  auto heap = decode(body);
  ASSERT_TRUE(heap) << heap.error().describe();

  alignas(std::max_align_t) std::array<std::byte, 16 * 1024> buffer;
  ValueArena arena(buffer);
  ByteReader r(body, Layer::dlms, "test");
  test::alloc_probe_start();
  auto in_arena = decode_value(r, {}, nullptr, &arena);
  const auto stats = test::alloc_probe_stop();
  ASSERT_TRUE(in_arena) << in_arena.error().describe();
  EXPECT_EQ(stats.count, 0u) << "a typical push is decoded without touching the heap";
  expect_same_tree(*in_arena, *heap);

  // A copy does not refer to the arena (copies use the default resource).
  const Value copy = *in_arena;
  EXPECT_EQ(copy.children()->get_allocator().resource(), std::pmr::get_default_resource());
  expect_same_tree(copy, *heap);
}

TEST(Axdr, ArenaOverflowContinuesOnTheHeap) {
  const auto body = tinetz_body();
  ASSERT_FALSE(body.empty());
  auto heap = decode(body);
  ASSERT_TRUE(heap);
  alignas(std::max_align_t) std::array<std::byte, 100> small;  // far too small for the tree
  ValueArena arena(small);
  ByteReader r(body, Layer::dlms, "test");
  auto in_arena = decode_value(r, {}, nullptr, &arena);
  ASSERT_TRUE(in_arena);
  expect_same_tree(*in_arena, *heap);
}

TEST(Axdr, ErrorsAreTheSameInAnArena) {
  for (const char* hex : {"02 02 12 0001", "01 84 FFFFFFFF 00 00", "09 84 FFFFFFFF 00 01 02",
                          "02 02 09 06 0100 07", "02 01 07", "04 81"}) {
    const auto bytes = H(hex);
    auto heap = decode(bytes);
    alignas(std::max_align_t) std::array<std::byte, 1024> buffer;
    ValueArena arena(buffer);
    ByteReader r(bytes, Layer::dlms, "test");
    auto in_arena = decode_value(r, {}, nullptr, &arena);
    ASSERT_FALSE(heap) << hex;
    ASSERT_FALSE(in_arena) << hex;
    EXPECT_EQ(in_arena.error().describe(), heap.error().describe()) << hex;
  }
}

}  // namespace
}  // namespace sm::dlms
