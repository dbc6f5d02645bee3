// A-XDR decoder for the COSEM `Data` CHOICE (IEC 62056-6-2 clause 4.1.5 / Blue Book
// 4.1.5 "Data", encoded per IEC 61334-6 A-XDR).
//
// One constexpr table names every tag, its kind and its fixed width; decoding, the
// length walk and tag_name() are all driven by it. Both decode_value() and
// encoded_length() are iterative (an explicit stack of open containers), so a hostile
// nesting depth costs a limit check, never the call stack.
#include "dlms/axdr.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <limits>
#include <optional>
#include <utility>

#include "common/hex.h"
#include "dlms/datetime.h"

namespace sm::dlms {
namespace {

// How a tag's content is laid out on the wire.
enum class Kind : std::uint8_t {
  null,          // no content
  container,     // A-XDR length = element count, then the elements (array, structure)
  boolean,       // 1 byte, 0 = false
  bits,          // A-XDR length in BITS, then ceil(bits / 8) bytes
  octets,        // A-XDR length in bytes, then the bytes
  signed_int,    // `width` bytes, two's complement, big-endian
  unsigned_int,  // `width` bytes, big-endian
  floating,      // `width` bytes, IEEE 754 big-endian (4 or 8)
  fixed_octets,  // `width` bytes kept as octets (date-time 12, date 5, time 4)
};

struct TagInfo {
  Tag tag;
  std::string_view name;
  Kind kind;
  std::uint8_t width;  // content bytes for fixed-size kinds; 0 when length-prefixed
};

// Blue Book 4.1.5, Data ::= CHOICE (the tags a customer-interface push can carry).
// bcd [13] is one byte (Integer8 in the ASN.1); we keep the raw byte, unsigned.
constexpr std::array<TagInfo, 23> kTagTable{{
    {Tag::null_data, "null", Kind::null, 0},
    {Tag::array, "array", Kind::container, 0},
    {Tag::structure, "structure", Kind::container, 0},
    {Tag::boolean, "boolean", Kind::boolean, 1},
    {Tag::bit_string, "bit-string", Kind::bits, 0},
    {Tag::int32, "int32", Kind::signed_int, 4},
    {Tag::uint32, "uint32", Kind::unsigned_int, 4},
    {Tag::octet_string, "octet-string", Kind::octets, 0},
    {Tag::visible_string, "visible-string", Kind::octets, 0},
    {Tag::utf8_string, "utf8-string", Kind::octets, 0},
    {Tag::bcd, "bcd", Kind::unsigned_int, 1},
    {Tag::int8, "int8", Kind::signed_int, 1},
    {Tag::int16, "int16", Kind::signed_int, 2},
    {Tag::uint8, "uint8", Kind::unsigned_int, 1},
    {Tag::uint16, "uint16", Kind::unsigned_int, 2},
    {Tag::int64, "int64", Kind::signed_int, 8},
    {Tag::uint64, "uint64", Kind::unsigned_int, 8},
    {Tag::enum_, "enum", Kind::unsigned_int, 1},
    {Tag::float32, "float32", Kind::floating, 4},
    {Tag::float64, "float64", Kind::floating, 8},
    {Tag::date_time, "date-time", Kind::fixed_octets, 12},
    {Tag::date, "date", Kind::fixed_octets, 5},
    {Tag::time, "time", Kind::fixed_octets, 4},
}};

// Byte value -> index into kTagTable (kNoTag when not a tag), generated from the table.
constexpr std::uint8_t kNoTag = 0xFF;
constexpr std::array<std::uint8_t, 256> make_tag_index() {
  std::array<std::uint8_t, 256> index{};
  for (auto& i : index) i = kNoTag;
  for (std::size_t i = 0; i < kTagTable.size(); ++i) {
    index[static_cast<std::uint8_t>(kTagTable[i].tag)] = static_cast<std::uint8_t>(i);
  }
  return index;
}
constexpr auto kTagIndex = make_tag_index();

constexpr const TagInfo* find_tag(std::uint8_t byte) noexcept {
  const std::uint8_t i = kTagIndex[byte];
  return i == kNoTag ? nullptr : &kTagTable[i];
}

static_assert(kTagIndex[0x12] != kNoTag && kTagTable[kTagIndex[0x12]].width == 2,
              "uint16 is 2 bytes");
static_assert(kTagIndex[0x07] == kNoTag, "0x07 (old floating-point) is not a tag we accept");

// The header of one encoded value: its tag and how much follows.
struct Header {
  const TagInfo* info{nullptr};
  std::size_t start{0};  // reader position of the tag byte
  std::size_t count{0};  // container: element count; otherwise: content bytes
  std::size_t bits{0};   // bit-string only: length in bits
};

// Reads a tag and, for variable kinds, its A-XDR length; checks every length against
// the limits and (for containers) against the bytes that remain. Nothing is allocated.
// This is the complete check with every error; read_header() below takes a shortcut for
// the common well-formed headers first.
[[gnu::noinline]] Result<Header> read_header_checked(ByteReader& r, const AxdrLimits& limits) {
  Header h;
  h.start = r.position();
  auto tag = r.u8();
  if (!tag) return tl::unexpected(tag.error());
  h.info = find_tag(*tag);
  if (h.info == nullptr) {
    return tl::unexpected(
        r.error_at(h.start, ErrorCode::decode, "unknown A-XDR tag 0x" + hex_u8(*tag)));
  }
  switch (h.info->kind) {
    case Kind::container: {
      auto n = read_length(r);
      if (!n) return tl::unexpected(n.error());
      if (*n > limits.max_elements) {
        return tl::unexpected(r.error_at(h.start, ErrorCode::length,
                                         std::string(h.info->name) + " of " + std::to_string(*n) +
                                             " elements exceeds the limit of " +
                                             std::to_string(limits.max_elements)));
      }
      // Every element takes at least one byte (its tag).
      if (*n > r.remaining()) {
        return tl::unexpected(r.error_at(h.start, ErrorCode::incomplete,
                                         std::string(h.info->name) + " of " + std::to_string(*n) +
                                             " elements, only " + std::to_string(r.remaining()) +
                                             " bytes left"));
      }
      h.count = *n;
      break;
    }
    case Kind::octets:
    case Kind::bits: {
      auto n = read_length(r);
      if (!n) return tl::unexpected(n.error());
      std::size_t bytes = *n;
      if (h.info->kind == Kind::bits) {
        h.bits = *n;
        bytes = *n / 8 + ((*n % 8) != 0 ? 1 : 0);
      }
      if (bytes > limits.max_string_length) {
        return tl::unexpected(r.error_at(
            h.start, ErrorCode::length,
            std::string(h.info->name) + " of " + std::to_string(bytes) +
                " bytes exceeds the limit of " + std::to_string(limits.max_string_length)));
      }
      h.count = bytes;
      break;
    }
    default:
      h.count = h.info->width;
      break;
  }
  return h;
}

// The shortcut for the headers of nearly every value: a known tag with a fixed width,
// or a container / octet-string with a short-form length (< 0x80) within the limits.
// It succeeds only where read_header_checked() succeeds with the same header and reader
// position; for anything else it leaves the reader untouched and returns false, and the
// caller runs read_header_checked(), so every error comes from one place.
[[gnu::always_inline]] inline bool read_header_fast(ByteReader& r, const AxdrLimits& limits,
                                                    Header& h) {
  const auto rest = r.rest();
  if (rest.empty()) return false;
  const TagInfo* info = find_tag(rest[0]);
  if (info == nullptr) return false;
  switch (info->kind) {
    case Kind::container:
      // Every element takes at least one byte (its tag).
      if (rest.size() < 2 || rest[1] >= 0x80 || rest[1] > limits.max_elements ||
          rest[1] > rest.size() - 2) {
        return false;
      }
      h.count = rest[1];
      break;
    case Kind::octets:
      if (rest.size() < 2 || rest[1] >= 0x80 || rest[1] > limits.max_string_length) return false;
      h.count = rest[1];
      break;
    case Kind::bits:
      return false;  // rare; its length counts bits
    default:
      h.count = info->width;
      break;
  }
  h.info = info;
  h.start = r.position();
  h.bits = 0;
  (void)r.try_skip(info->kind == Kind::container || info->kind == Kind::octets ? 2 : 1);
  return true;
}

Result<Header> read_header(ByteReader& r, const AxdrLimits& limits) {
  Header h;
  if (read_header_fast(r, limits, h)) return h;
  return read_header_checked(r, limits);
}

// The open containers (their remaining element counts, for the decoder also the value
// being filled): a small inline stack, spilling to the heap only beyond 32 levels (so
// neither the length walk nor the decoder allocates for it in practice).
template <class T>
class InlineStack {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  T& back() noexcept {
    return size_ <= inline_.size() ? inline_[size_ - 1] : spill_[size_ - 1 - inline_.size()];
  }
  void push(T v) {
    if (size_ < inline_.size()) {
      inline_[size_] = v;
    } else {
      spill_.push_back(v);
    }
    ++size_;
  }
  void pop() noexcept {
    if (size_ > inline_.size()) spill_.pop_back();
    --size_;
  }

 private:
  std::array<T, 32> inline_{};
  std::vector<T> spill_;
  std::size_t size_{0};
};

// Limit errors (cold paths, kept out of line).
[[gnu::cold]] tl::unexpected<Error> too_deep(const ByteReader& r, const Header& h,
                                             const AxdrLimits& limits) {
  return tl::unexpected(r.error_at(
      h.start, ErrorCode::length, "A-XDR nesting deeper than " + std::to_string(limits.max_depth)));
}
[[gnu::cold]] tl::unexpected<Error> too_many_nodes(const ByteReader& r, const Header& h,
                                                   const AxdrLimits& limits) {
  return tl::unexpected(
      r.error_at(h.start, ErrorCode::length,
                 "more than " + std::to_string(limits.max_nodes) + " A-XDR values"));
}

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

// Restores the reader's `what` when a decode call ends, however it ends.
class WhatGuard {
 public:
  explicit WhatGuard(ByteReader& r) : r_(r), saved_(r.what()) {}
  ~WhatGuard() { r_.set_what(saved_); }
  WhatGuard(const WhatGuard&) = delete;
  WhatGuard& operator=(const WhatGuard&) = delete;

 private:
  ByteReader& r_;
  std::string_view saved_;
};

// The error of a value whose content is cut short (cold: complete frames never get here);
// the reader reports it exactly as its own checked read would.
[[gnu::cold, gnu::noinline]] tl::unexpected<Error> short_content(ByteReader& r, std::size_t n) {
  return tl::unexpected(r.bytes(n).error());
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
Value& place_scalar(Children* parent, Value& root, const Header& h,
                    std::span<const std::uint8_t> content, std::size_t offset,
                    std::pmr::memory_resource* memory) {
  const Tag tag = h.info->tag;
  switch (h.info->kind) {
    case Kind::boolean:
      return place(parent, root, tag, content[0] != 0, offset);
    case Kind::signed_int:
      return place(parent, root, tag, load_be_signed(content), offset);
    case Kind::unsigned_int:
      return place(parent, root, tag, load_be_unsigned(content), offset);
    case Kind::floating:
      if (h.count == 4) {
        const auto bits = static_cast<std::uint32_t>(load_be_unsigned(content));
        return place(parent, root, tag, static_cast<double>(std::bit_cast<float>(bits)), offset);
      }
      return place(parent, root, tag, std::bit_cast<double>(load_be_unsigned(content)), offset);
    case Kind::bits:
      return place(parent, root, tag, Bytes(content.begin(), content.end(), memory), offset,
                   static_cast<std::uint32_t>(h.bits));
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
  WhatGuard guard(r);
  if (memory == nullptr) memory = std::pmr::get_default_resource();
  // Values are built in place: each new value is appended to the innermost open
  // container. Only that container's children can reallocate while it is open, and none
  // of them is open, so the pointers on the stack stay valid.
  struct Open {
    Value* value{nullptr};
    std::size_t remaining{0};
  };
  Value root;
  InlineStack<Open> open;  // containers being filled, innermost last
  std::size_t nodes = 0;
  const std::size_t base = r.offset() - r.position();

  for (;;) {
    Header h;
    if (!read_header_fast(r, limits, h)) {
      auto checked = read_header_checked(r, limits);
      if (!checked) return tl::unexpected(std::move(checked.error()));
      h = *checked;
    }
    if (++nodes > limits.max_nodes) return too_many_nodes(r, h, limits);
    if (h.info->kind == Kind::container) {
      // Depth of the container about to be opened = open containers + 1.
      if (open.size() + 1 > limits.max_depth) return too_deep(r, h, limits);
    }
    Children* parent = open.empty() ? nullptr : std::get_if<Children>(&open.back().value->data);
    const std::size_t offset = base + h.start;

    if (h.info->kind == Kind::container) {
      Value& v = place(parent, root, h.info->tag, Children(memory), offset);
      if (notes != nullptr) {
        std::string meaning(h.info->name);
        meaning.append(" of ").append(std::to_string(h.count));
        annotate(notes, "plaintext", offset, r.position() - h.start, "axdr", std::move(meaning));
      }
      // count <= max_elements and <= bytes left (checked in read_header); the up-front
      // reservation is capped anyway so that nesting cannot multiply it.
      std::get_if<Children>(&v.data)->reserve(std::min<std::size_t>(h.count, 64));
      if (h.count > 0) {
        open.push(Open{&v, h.count});
        continue;
      }
    } else {
      r.set_what(h.info->name);
      if (h.count > r.remaining()) return short_content(r, h.count);
      const auto content = r.rest().first(h.count);
      (void)r.try_skip(h.count);
      const Value& v = place_scalar(parent, root, h, content, offset, memory);
      if (notes != nullptr) {
        annotate(notes, "plaintext", offset, r.position() - h.start, "axdr", describe(*h.info, v));
      }
    }

    // A value is complete: close every container that is now full.
    for (;;) {
      if (open.empty()) return root;
      if (--open.back().remaining > 0) break;
      open.pop();
    }
  }
}

Result<std::size_t> encoded_length(std::span<const std::uint8_t> data, const AxdrLimits& limits) {
  ByteReader r(data, Layer::dlms, "A-XDR");
  InlineStack<std::size_t> open;
  std::size_t nodes = 0;
  for (;;) {
    auto h = read_header(r, limits);
    if (!h) return tl::unexpected(h.error());
    if (++nodes > limits.max_nodes) return too_many_nodes(r, *h, limits);
    if (h->info->kind == Kind::container) {
      // Depth of the container about to be opened = open containers + 1.
      if (open.size() + 1 > limits.max_depth) return too_deep(r, *h, limits);
      if (h->count > 0) {
        open.push(h->count);
        continue;
      }
    } else {
      r.set_what(h->info->name);
      auto skipped = r.skip(h->count);
      r.set_what("A-XDR");
      if (!skipped) return tl::unexpected(skipped.error());
    }
    bool complete = true;
    while (!open.empty()) {
      if (--open.back() > 0) {
        complete = false;
        break;
      }
      open.pop();
    }
    if (complete) return r.position();
  }
}

}  // namespace sm::dlms
