// A-XDR decoder (IEC 62056-6-2 / Green Book): bytes -> value tree.
//
// Explicit limits: nesting depth, elements per container, total nodes; every length
// read off the wire is checked against the bytes that remain before anything is
// allocated.
//
// The tree's containers are std::pmr vectors: by default they allocate from the default
// memory resource (the heap, as std::vector would), but a caller that decodes one frame
// at a time can hand the decoder an arena (e.g. a std::pmr::monotonic_buffer_resource
// over a stack buffer) and build the whole tree without touching the heap. A tree built
// in an arena must not outlive it; copies of a Value always use the default resource.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/annotations.h"
#include "common/byte_reader.h"
#include "common/endian.h"
#include "common/result.h"

namespace sm::dlms {

// The A-XDR type tags we decode (tables are data: see axdr.cpp for names and widths).
enum class Tag : std::uint8_t {
  null_data = 0x00,
  array = 0x01,
  structure = 0x02,
  boolean = 0x03,
  bit_string = 0x04,
  int32 = 0x05,
  uint32 = 0x06,
  octet_string = 0x09,
  visible_string = 0x0A,
  utf8_string = 0x0C,
  bcd = 0x0D,
  int8 = 0x0F,
  int16 = 0x10,
  uint8 = 0x11,
  uint16 = 0x12,
  int64 = 0x14,
  uint64 = 0x15,
  enum_ = 0x16,
  float32 = 0x17,
  float64 = 0x18,
  date_time = 0x19,
  date = 0x1A,
  time = 0x1B,
};

[[nodiscard]] std::string_view tag_name(Tag t) noexcept;

struct Value;
using Children = std::pmr::vector<Value>;
using Bytes = std::pmr::vector<std::uint8_t>;

// A decoded A-XDR value. Integers keep their sign class; octet/visible/utf8 strings,
// bit-strings, date/time keep their bytes; containers keep children.
struct Value {
  Tag tag{Tag::null_data};
  std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, Bytes, Children> data;
  std::size_t offset{0};        // where the tag byte sat in the decoded buffer
  std::uint32_t bit_length{0};  // bit-string only: length in bits (bytes() holds ceil(bits/8))

  [[nodiscard]] bool is_integer() const noexcept;  // int*/uint*/enum/bcd
  [[nodiscard]] bool is_number() const noexcept;   // integer or float
  [[nodiscard]] bool is_container() const noexcept {
    return tag == Tag::array || tag == Tag::structure;
  }
  [[nodiscard]] bool is_octets() const noexcept;  // octet/visible/utf8-string
  // Numeric value as int64 when it fits (uint64 > INT64_MAX: nullopt-equivalent false).
  [[nodiscard]] bool as_int64(std::int64_t& out) const noexcept;
  [[nodiscard]] double as_double() const noexcept;    // 0 for non-numbers
  [[nodiscard]] const Bytes* bytes() const noexcept;  // null unless octets/bit-string/date/time
  [[nodiscard]] const Children* children() const noexcept;  // null unless container
};

struct AxdrLimits {
  std::size_t max_depth = 16;
  std::size_t max_elements = 1024;  // per array/structure
  std::size_t max_nodes = 16384;    // per decode call
  // Longest octet/visible/utf8/bit-string content, in bytes. xDLMS PDU sizes are
  // Unsigned16 (max-receive-pdu-size), so no single string in a push can be longer.
  std::size_t max_string_length = 65535;
};

// A memory resource for one decoded value tree: bump allocation from a caller's buffer
// (typically on the stack), then from the heap in growing blocks; nothing is freed until
// the arena goes away. Cheaper per allocation than std::pmr::monotonic_buffer_resource,
// which matters because a tree is one allocation per container and per string.
class ValueArena final : public std::pmr::memory_resource {
 public:
  explicit ValueArena(std::span<std::byte> buffer) noexcept
      : next_(buffer.data()), end_(buffer.data() + buffer.size()) {}
  ValueArena(const ValueArena&) = delete;
  ValueArena& operator=(const ValueArena&) = delete;
  ~ValueArena() override = default;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void*, std::size_t, std::size_t) noexcept override {}
  [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::byte* next_;
  std::byte* end_;
  std::pmr::monotonic_buffer_resource overflow_;  // beyond the buffer (freed with the arena)
};

// The fixed-width integer-like tags (boolean, int*, uint*, enum, bcd) from the tag table,
// for readers that decode such values without building a tree (the COSEM direct path).
enum class IntegerKind : std::uint8_t { none, boolean, signed_int, unsigned_int };
struct IntegerTag {
  IntegerKind kind{IntegerKind::none};
  std::uint8_t width{0};  // content bytes
};
// integer_tag() of every byte, from the tag table (axdr.cpp).
extern const std::array<IntegerTag, 256> kIntegerTags;
[[nodiscard]] inline IntegerTag integer_tag(std::uint8_t tag_byte) noexcept {
  return kIntegerTags[tag_byte];
}

// A-XDR length: one byte < 0x80, else 0x81 xx / 0x82 xxxx / 0x83 xxxxxx / 0x84 xxxxxxxx.
Result<std::size_t> read_length(ByteReader& r);

// Appends an A-XDR length in its shortest form (for encoders: protect(), test builders,
// the demo meter).
void write_length(std::vector<std::uint8_t>& out, std::size_t length);

// Decodes one value at the reader's position. When `notes` is given, each value is
// annotated (space "plaintext"). The tree's vectors allocate from `memory` (null: the
// default memory resource).
Result<Value> decode_value(ByteReader& r, const AxdrLimits& limits = {},
                           Annotations* notes = nullptr,
                           std::pmr::memory_resource* memory = nullptr);

// Byte length of the encoded value starting at `data` (for framing bare APDUs);
// applies the same limits, allocates nothing.
Result<std::size_t> encoded_length(std::span<const std::uint8_t> data,
                                   const AxdrLimits& limits = {});

}  // namespace sm::dlms
