// A-XDR decoder for the COSEM `Data` CHOICE (IEC 62056-6-2 clause 4.1.5 / Blue Book
// 4.1.5 "Data", encoded per IEC 61334-6 A-XDR).
//
// One constexpr table (axdr_tags.h) names every tag, its kind and its fixed width;
// decoding, the length walk and tag_name() are all driven by it. decode_value() and
// encoded_length() read through the A-XDR cursor (axdr_cursor.h), which enforces the
// limits and keeps the open containers on an explicit stack, so a hostile nesting depth
// costs a limit check, never the call stack.
#include "dlms/axdr.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <limits>
#include <optional>
#include <utility>

#include "common/hex.h"
#include "dlms/axdr_cursor.h"
#include "dlms/axdr_tags.h"
#include "dlms/datetime.h"

namespace sm::dlms {
namespace {

using axdr_detail::find_tag;
using axdr_detail::Kind;
using axdr_detail::TagInfo;

// ---- annotation text (only built when a sink is given) --------------------------------

bool is_printable(std::span<const std::uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c >= 0x20 && c < 0x7F; });
}

std::string quoted(std::span<const std::uint8_t> b) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < b.size() && i < kMax; ++i) {
    const auto c = b[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x" + hex_u8(c);
    }
  }
  out += b.size() > kMax ? "\"..." : "\"";
  return out;
}

std::string short_hex(std::span<const std::uint8_t> b) {
  constexpr std::size_t kMax = 32;
  if (b.size() <= kMax) return to_hex(b);
  return to_hex(b.first(kMax)) + "...";
}

std::string format_double(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", d);
  return buf;
}

std::string describe_date_time(std::span<const std::uint8_t> twelve) {
  auto dt = parse_date_time(twelve);
  if (!dt) return {};
  auto iso = dt->iso8601();
  return iso ? *iso : std::string();
}

// Appends each part to `out` (plain appends: GCC 12 -O3 reports false -Wrestrict
// positives on chains of std::string operator+).
template <class... Parts>
std::string& append(std::string& out, const Parts&... parts) {
  (out.append(parts), ...);
  return out;
}

std::string describe(const TagInfo& info, const Value& v) {
  std::string out(info.name);
  switch (info.kind) {
    case Kind::null:
    case Kind::container:  // containers are annotated where their header is read
      return out;
    case Kind::boolean:
      return append(out, std::get<bool>(v.data) ? " true" : " false");
    case Kind::signed_int:
      return append(out, " ", std::to_string(std::get<std::int64_t>(v.data)));
    case Kind::unsigned_int:
      if (info.tag == Tag::bcd) {
        return append(out, " 0x",
                      hex_u8(static_cast<std::uint8_t>(std::get<std::uint64_t>(v.data))));
      }
      return append(out, " ", std::to_string(std::get<std::uint64_t>(v.data)));
    case Kind::floating:
      return append(out, " ", format_double(std::get<double>(v.data)));
    case Kind::bits:
      return append(out, "[", std::to_string(v.bit_length), " bits] ",
                    short_hex(std::get<Bytes>(v.data)));
    case Kind::octets: {
      const auto& b = std::get<Bytes>(v.data);
      append(out, "[", std::to_string(b.size()), "]");
      if (b.empty()) return out;
      if (info.tag != Tag::octet_string) return append(out, " ", quoted(b));
      if (b.size() == 6) {  // an OBIS code A.B.C.D.E.F in most push bodies
        for (std::size_t i = 0; i < 6; ++i) append(out, i == 0 ? " " : ".", std::to_string(b[i]));
        return out;
      }
      if (b.size() == 12) {  // often a COSEM date-time carried as octet-string
        auto iso = describe_date_time(b);
        if (!iso.empty()) return append(out, " ", short_hex(b), " (date-time ", iso, ")");
      }
      return append(out, " ", is_printable(b) ? quoted(b) : short_hex(b));
    }
    case Kind::fixed_octets: {
      const auto& b = std::get<Bytes>(v.data);
      if (info.tag == Tag::date_time) {
        auto iso = describe_date_time(b);
        if (!iso.empty()) return append(out, " ", iso);
      }
      return append(out, " ", to_hex(b));
    }
  }
  return out;
}

// Appends a value to `parent` (the innermost open container), or makes it the root when
// no container is open. The arguments initialise the Value in place: tag, data (the
// alternative is constructed directly), offset and, for bit-strings, the bit length.
// (In place where the compiler has C++20 parenthesised aggregate initialisation, GCC 10+;
// otherwise, e.g. clang 14 for the fuzz build, as a temporary that is moved in.)
template <class... Args>
Value& place(Children* parent, Value& root, Args&&... args) {
  if (parent != nullptr) {
#if defined(__cpp_aggregate_paren_init)
    return parent->emplace_back(std::forward<Args>(args)...);
#else
    return parent->emplace_back(Value{std::forward<Args>(args)...});
#endif
  }
  root = Value{std::forward<Args>(args)...};
  return root;
}

// A non-container value whose header was just read and whose content is `content`.
Value& place_scalar(Children* parent, Value& root, const AxdrItem& item,
                    std::pmr::memory_resource* memory) {
  const Tag tag = item.tag();
  const auto content = item.content;
  const std::size_t offset = item.offset;
  switch (item.info->kind) {
    case Kind::boolean:
      return place(parent, root, tag, content[0] != 0, offset);
    case Kind::signed_int:
      return place(parent, root, tag, load_be_signed(content), offset);
    case Kind::unsigned_int:
      return place(parent, root, tag, load_be_unsigned(content), offset);
    case Kind::floating:
      if (content.size() == 4) {
        const auto bits = static_cast<std::uint32_t>(load_be_unsigned(content));
        return place(parent, root, tag, static_cast<double>(std::bit_cast<float>(bits)), offset);
      }
      return place(parent, root, tag, std::bit_cast<double>(load_be_unsigned(content)), offset);
    case Kind::bits:
      return place(parent, root, tag, Bytes(content.begin(), content.end(), memory), offset,
                   static_cast<std::uint32_t>(item.bits));
    case Kind::octets:
    case Kind::fixed_octets:
      return place(parent, root, tag, Bytes(content.begin(), content.end(), memory), offset);
    case Kind::null:
    case Kind::container:  // not reached: containers are placed by the caller
      break;
  }
  return place(parent, root, tag, std::monostate{}, offset);
}

}  // namespace

namespace {

constexpr IntegerTag integer_tag_of(std::uint8_t tag_byte) noexcept {
  const TagInfo* info = find_tag(tag_byte);
  if (info == nullptr) return {};
  switch (info->kind) {
    case Kind::boolean:
      return {IntegerKind::boolean, info->width};
    case Kind::signed_int:
      return {IntegerKind::signed_int, info->width};
    case Kind::unsigned_int:
      return {IntegerKind::unsigned_int, info->width};
    default:
      return {};
  }
}

}  // namespace

// Generated from kTagTable at compile time, for the inline integer_tag().
constexpr std::array<IntegerTag, 256> kIntegerTags = [] {
  std::array<IntegerTag, 256> tags{};
  for (std::size_t b = 0; b < tags.size(); ++b)
    tags[b] = integer_tag_of(static_cast<std::uint8_t>(b));
  return tags;
}();

std::string_view tag_name(Tag t) noexcept {
  const TagInfo* info = find_tag(static_cast<std::uint8_t>(t));
  return info == nullptr ? std::string_view("unknown") : info->name;
}

bool Value::is_integer() const noexcept {
  return std::holds_alternative<std::int64_t>(data) || std::holds_alternative<std::uint64_t>(data);
}

bool Value::is_number() const noexcept {
  return is_integer() || std::holds_alternative<double>(data);
}

bool Value::is_octets() const noexcept {
  return tag == Tag::octet_string || tag == Tag::visible_string || tag == Tag::utf8_string;
}

bool Value::as_int64(std::int64_t& out) const noexcept {
  if (const auto* s = std::get_if<std::int64_t>(&data)) {
    out = *s;
    return true;
  }
  if (const auto* u = std::get_if<std::uint64_t>(&data)) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    out = static_cast<std::int64_t>(*u);
    return true;
  }
  return false;
}

double Value::as_double() const noexcept {
  if (const auto* s = std::get_if<std::int64_t>(&data)) return static_cast<double>(*s);
  if (const auto* u = std::get_if<std::uint64_t>(&data)) return static_cast<double>(*u);
  if (const auto* d = std::get_if<double>(&data)) return *d;
  return 0.0;
}

const Bytes* Value::bytes() const noexcept {
  return std::get_if<Bytes>(&data);
}

const Children* Value::children() const noexcept {
  return std::get_if<Children>(&data);
}

void* ValueArena::do_allocate(std::size_t bytes, std::size_t alignment) {
  void* p = next_;
  auto space = static_cast<std::size_t>(end_ - next_);
  if (std::align(alignment, bytes, p, space) != nullptr) {
    next_ = static_cast<std::byte*>(p) + bytes;
    return p;
  }
  return overflow_.allocate(bytes, alignment);
}

// IEC 61334-6 A-XDR length: short form < 0x80; long form 0x8N followed by N bytes
// (N = 1..4 here; indefinite 0x80 and N > 4 are rejected).
Result<std::size_t> read_length(ByteReader& r) {
  const std::size_t start = r.position();
  auto first = r.u8();
  if (!first) return tl::unexpected(first.error());
  if (*first < 0x80) return static_cast<std::size_t>(*first);
  const unsigned n = *first & 0x7Fu;
  if (n == 0 || n > 4) {
    return tl::unexpected(
        r.error_at(start, ErrorCode::decode, "invalid A-XDR length form 0x" + hex_u8(*first)));
  }
  auto bytes = r.bytes(n);
  if (!bytes) return tl::unexpected(bytes.error());
  return static_cast<std::size_t>(load_be_unsigned(*bytes));
}

void write_length(std::vector<std::uint8_t>& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::size_t n = 1;
  while (n < sizeof(std::size_t) && (length >> (8 * n)) != 0) ++n;
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
}

Result<Value> decode_value(ByteReader& r, const AxdrLimits& limits, Annotations* notes,
                           std::pmr::memory_resource* memory) {
  if (memory == nullptr) memory = std::pmr::get_default_resource();
  // Values are built in place: each new value is appended to the innermost open
  // container. Only that container's children can reallocate while it is open, and none
  // of them is open, so the pointers on the stack stay valid.
  Value root;
  InlineStack<Value*> open;  // containers being filled, innermost last
  AxdrCursor cursor(r, limits);
  AxdrItem item;
  for (;;) {
    if (!cursor.step(item)) return tl::unexpected(cursor.error());
    switch (item.kind) {
      case AxdrItem::Kind::leaf: {
        Children* parent = open.empty() ? nullptr : std::get_if<Children>(&open.back()->data);
        const Value& v = place_scalar(parent, root, item, memory);
        if (notes != nullptr) {
          annotate(notes, "plaintext", item.offset, item.size, "axdr", describe(*item.info, v));
        }
        break;
      }
      case AxdrItem::Kind::open: {
        Children* parent = open.empty() ? nullptr : std::get_if<Children>(&open.back()->data);
        Value& v = place(parent, root, item.tag(), Children(memory), item.offset);
        if (notes != nullptr) {
          std::string meaning(item.info->name);
          meaning.append(" of ").append(std::to_string(item.count));
          annotate(notes, "plaintext", item.offset, item.size, "axdr", std::move(meaning));
        }
        // count <= max_elements and <= bytes left (checked by the cursor); the up-front
        // reservation is capped anyway so that nesting cannot multiply it.
        std::get_if<Children>(&v.data)->reserve(std::min<std::size_t>(item.count, 64));
        open.push(&v);
        break;
      }
      case AxdrItem::Kind::close:
        open.pop();
        break;
      case AxdrItem::Kind::end:
        return root;
    }
  }
}

Result<std::size_t> encoded_length(std::span<const std::uint8_t> data, const AxdrLimits& limits) {
  ByteReader r(data, Layer::dlms, "A-XDR");
  AxdrCursor cursor(r, limits);
  for (AxdrItem item;;) {
    if (!cursor.step(item)) return tl::unexpected(cursor.error());
    if (item.kind == AxdrItem::Kind::end) return r.position();
  }
}

}  // namespace sm::dlms
