// A streaming A-XDR cursor: one encoded COSEM `Data` value, read one item at a time —
// a container opened (its tag and element count), a leaf (its tag and content), a
// container closed, the end of the value — over a ByteReader, without building anything.
//
// It is the one place that enforces AxdrLimits (nesting depth, elements per container,
// values per call, string length) and the one stack of open containers: the tree decoder
// (decode_value), the length walk (encoded_length) and the COSEM layer's direct path all
// read A-XDR through it. Every error carries the code, message and offset the A-XDR reader
// has always given; after an error the cursor must not be used further.
//
// Hot paths stay inline: the next() of a well-formed short header, and the try_*()
// readers a fast consumer uses to take an integer or a string without an item or an
// allocation (each succeeds only where next() would succeed with the same value, and
// otherwise consumes nothing, so that next() then reports what is there).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "common/byte_reader.h"
#include "common/endian.h"
#include "common/result.h"
#include "dlms/axdr.h"
#include "dlms/axdr_tags.h"

namespace sm::dlms {

// A small stack that spills to the heap only beyond 32 entries (so neither the cursor's
// open containers nor a consumer's own stack allocate in practice).
template <class T>
class InlineStack {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  T& back() noexcept {
    return size_ <= inline_.size() ? inline_[size_ - 1] : spill_[size_ - 1 - inline_.size()];
  }
  const T& back() const noexcept {
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
  std::array<T, 32> inline_;  // not cleared: entries are written before they are read
  std::vector<T> spill_;
  std::size_t size_{0};
};

// One step of the cursor.
struct AxdrItem {
  enum class Kind : std::uint8_t {
    open,   // a container's header: tag, count = its elements (they follow as items)
    leaf,   // any other value: tag, content
    close,  // the container opened at `depth` has had all its elements
    end,    // the value is complete (the reader stands after it)
  };
  Kind kind{Kind::end};
  const axdr_detail::TagInfo* info{nullptr};  // open / leaf / close: the value's tag entry
  std::size_t offset{0};  // absolute offset of the tag byte (close / end: the reader's)
  std::size_t size{0};    // open: header bytes; leaf: header and content bytes
  std::size_t count{0};   // open: element count; leaf: content bytes
  std::size_t bits{0};    // bit-string: length in bits
  std::size_t depth{0};   // open / close: the container's level (1 = outermost);
                          // leaf: the containers around it
  std::span<const std::uint8_t> content;  // leaf: its content bytes

  [[nodiscard]] Tag tag() const noexcept { return info->tag; }
};

// An integer-like leaf (boolean, int*, uint*, enum, bcd), as AxdrCursor::try_integer()
// reads it from the kIntegerTags table.
struct IntegerLeaf {
  Tag tag{Tag::null_data};
  IntegerKind kind{IntegerKind::none};
  std::size_t offset{0};  // absolute offset of the tag byte
  // boolean: 0 / 1; unsigned: the value; signed: the sign-extended value's bits.
  std::uint64_t bits{0};

  // The value as int64; false for an unsigned value beyond INT64_MAX.
  [[nodiscard]] bool as_int64(std::int64_t& out) const noexcept {
    out = static_cast<std::int64_t>(bits);
    return kind != IntegerKind::unsigned_int ||
           bits <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
};

// A string leaf (octet-, visible-, utf8-string) with its content, as try_string() reads it.
struct StringLeaf {
  Tag tag{Tag::null_data};
  std::size_t offset{0};  // absolute offset of the tag byte
  std::span<const std::uint8_t> content;
};

// The parts of a register structure, as AxdrCursor::take_registers() reads them.
struct RegisterLeaves {
  std::span<const std::uint8_t> name;  // the 6 bytes of the logical name
  IntegerLeaf value;
  IntegerLeaf scaler;  // signed
  std::uint8_t unit{0};
};

// The parts of a named string structure, as AxdrCursor::take_named_strings() reads them.
struct NamedStringLeaves {
  std::size_t offset{0};               // absolute offset of the structure's tag byte
  std::span<const std::uint8_t> name;  // the 6 bytes of the logical name
  std::size_t name_offset{0};          // absolute offset of the name's tag byte
  StringLeaf value;
};

class AxdrCursor {
 public:
  // Reads the value at the reader's position; the reader is left after what was read.
  AxdrCursor(ByteReader& r, const AxdrLimits& limits) noexcept
      : r_(r), limits_(limits), base_(r.offset() - r.position()) {}
  AxdrCursor(const AxdrCursor&) = delete;
  AxdrCursor& operator=(const AxdrCursor&) = delete;

  // The next item. Errors: a header's (unknown tag, length form, elements or string over
  // the limit, more elements than bytes left), more values than max_nodes, nesting deeper
  // than max_depth, content cut short (incomplete, named after the value's tag).
  Result<AxdrItem> next() {
    AxdrItem item;
    if (!step(item)) return tl::unexpected(std::move(error_));
    return item;
  }

  // next() for the hot loops: the item into `item` (only the fields of its kind are
  // set), or false and the error in error().
  [[gnu::always_inline]] bool step(AxdrItem& item) {
    if (left_ == 0) {
      if (open_.empty()) {
        item.kind = AxdrItem::Kind::end;
        item.offset = r_.offset();
        return true;
      }
      item.kind = AxdrItem::Kind::close;
      item.info = info_;
      item.depth = open_.size();
      item.offset = r_.offset();
      left_ = open_.back().remaining;
      info_ = open_.back().info;
      open_.pop();
      return true;
    }
    axdr_detail::Header h;
    if (!axdr_detail::read_header_fast(r_, limits_, h) && !read_header_slow(h)) return false;
    if (++nodes_ > limits_.max_nodes) return too_many_nodes(h);
    --left_;
    item.info = h.info;
    item.offset = base_ + h.start;
    item.count = h.count;
    item.bits = h.bits;
    if (h.info->kind == axdr_detail::Kind::container) {
      // Depth of the container about to be opened = open containers + 1.
      if (open_.size() + 1 > limits_.max_depth) return too_deep(h);
      open_.push(Open{left_, info_});
      left_ = h.count;
      info_ = h.info;
      item.kind = AxdrItem::Kind::open;
      item.depth = open_.size();
      item.size = r_.position() - h.start;
      return true;
    }
    if (h.count > r_.remaining()) return short_content(h);
    item.kind = AxdrItem::Kind::leaf;
    item.depth = open_.size();
    item.content = r_.rest().first(h.count);
    (void)r_.try_skip(h.count);
    item.size = r_.position() - h.start;
    return true;
  }
  // The error after step() returned false.
  [[nodiscard]] const Error& error() const noexcept { return error_; }

  // Whether the next item is a value (not a close or the end).
  [[nodiscard]] bool value_next() const noexcept { return left_ > 0; }
  // The tag byte of the next value, or nullopt when a close or the end comes next, or no
  // byte is left (next() then says what is wrong).
  [[nodiscard]] std::optional<std::uint8_t> peek_tag() const noexcept {
    if (!value_next()) return std::nullopt;
    return byte_at(r_.rest(), 0);
  }
  // The open containers (0 before the first item and after the value's last close).
  [[nodiscard]] std::size_t depth() const noexcept { return open_.size(); }
  // The elements of the innermost open container still to come (0 when none is open).
  [[nodiscard]] std::size_t left_in_container() const noexcept { return open_.empty() ? 0 : left_; }
  // Values read so far (what max_nodes limits).
  [[nodiscard]] std::size_t values() const noexcept { return nodes_; }
  // The reader's absolute offset (where the next item starts).
  [[nodiscard]] std::size_t offset() const noexcept { return r_.offset(); }

  // An integer-like value next, within the limits and all there: read into `out`, true.
  // Otherwise false and nothing read.
  [[gnu::always_inline]] bool try_integer(IntegerLeaf& out) noexcept {
    if (!room_for_value()) return false;
    const auto rest = r_.rest();
    if (rest.empty()) return false;
    const IntegerTag type = integer_tag(rest[0]);
    if (type.kind == IntegerKind::none || rest.size() - 1 < type.width) return false;
    read_integer(type, rest, r_.offset(), out);
    took_value();
    (void)r_.try_skip(1 + type.width);
    return true;
  }

  // Runs of pairs: an octet-string of `length` (< 0x80) bytes and an integer-like value
  // after it, both elements of the innermost container, within the limits and all there (a
  // COSEM logical name and its value: a flat OBIS list), read in one loop that keeps the
  // cursor's state in registers: `take(name, value)` is called for each pair before it is read;
  // false ends the run before that pair. At most `most` pairs. Returns how many were read.
  template <class Take>
  [[gnu::always_inline]] std::size_t take_octets_integers(
      std::size_t length, Take&& take,
      std::size_t most = std::numeric_limits<std::size_t>::max()) noexcept {
    if (length >= 0x80 || length > limits_.max_string_length) return 0;
    StringLeaf name;
    IntegerLeaf value;
    return run(
        2, 2, most,
        [&](std::span<const std::uint8_t> rest, std::size_t at) __attribute__((always_inline)) {
          const std::size_t integer_at = 2 + length;
          if (rest.size() <= integer_at ||
              rest[0] != static_cast<std::uint8_t>(Tag::octet_string) || rest[1] != length) {
            return std::size_t{0};
          }
          const IntegerTag type = integer_tag(rest[integer_at]);
          if (type.kind == IntegerKind::none || rest.size() - integer_at - 1 < type.width) {
            return std::size_t{0};
          }
          name.tag = Tag::octet_string;
          name.offset = at;
          name.content = rest.subspan(2, length);
          read_integer(type, rest.subspan(integer_at), at + integer_at, value);
          return take(name, value) ? integer_at + 1 + type.width : 0;
        });
  }

  // Runs of COSEM registers as pushes carry their attributes: structure {octet-string of 6
  // bytes (logical name), integer-like value, structure {signed integer (scaler), enum
  // (unit)}}, short forms, within the limits (six values, two levels each); KSM West sends
  // eight in a row. `take` and the result as for take_octets_integers().
  template <class Take>
  [[gnu::always_inline]] std::size_t take_registers(
      Take&& take, std::size_t most = std::numeric_limits<std::size_t>::max()) noexcept {
    constexpr auto kStructure = static_cast<std::uint8_t>(Tag::structure);
    if (!structure_next(3) || open_.size() + 2 > limits_.max_depth || limits_.max_elements < 3 ||
        limits_.max_string_length < 6) {
      return 0;
    }
    RegisterLeaves reg;
    return run(
        1, 6, most,
        [&](std::span<const std::uint8_t> rest, std::size_t at) __attribute__((always_inline)) {
          if (rest.size() < 11 || rest[0] != kStructure || rest[1] != 3 ||
              rest[2] != static_cast<std::uint8_t>(Tag::octet_string) || rest[3] != 6) {
            return std::size_t{0};
          }
          const IntegerTag value = integer_tag(rest[10]);
          const std::size_t pair_at = 11 + value.width;
          if (value.kind == IntegerKind::none || rest.size() < pair_at + 4 ||
              rest[pair_at] != kStructure || rest[pair_at + 1] != 2) {
            return std::size_t{0};
          }
          const IntegerTag scaler = integer_tag(rest[pair_at + 2]);
          const std::size_t unit_at = pair_at + 3 + scaler.width;
          if (scaler.kind != IntegerKind::signed_int || rest.size() < unit_at + 2 ||
              rest[unit_at] != static_cast<std::uint8_t>(Tag::enum_)) {
            return std::size_t{0};
          }
          reg.name = rest.subspan(4, 6);
          read_integer(value, rest.subspan(10), at + 10, reg.value);
          read_integer(scaler, rest.subspan(pair_at + 2), at + pair_at + 2, reg.scaler);
          reg.unit = rest[unit_at + 1];
          return take(reg) ? unit_at + 2 : 0;
        });
  }

  // Runs of named strings as pushes carry them (a meter number, a device name): structure
  // {octet-string of 6 bytes (logical name), string (octet-, visible-, utf8-string)}, short
  // forms, within the limits (three values, one level); KSM West sends two in a row. `take`
  // and the result as for take_octets_integers().
  template <class Take>
  [[gnu::always_inline]] std::size_t take_named_strings(
      Take&& take, std::size_t most = std::numeric_limits<std::size_t>::max()) noexcept {
    const std::size_t max_length = limits_.max_string_length;
    if (!structure_next(2) || open_.size() + 1 > limits_.max_depth || limits_.max_elements < 2 ||
        max_length < 6) {
      return 0;
    }
    NamedStringLeaves named;
    return run(
        1, 3, most,
        [&](std::span<const std::uint8_t> rest, std::size_t at) __attribute__((always_inline)) {
          if (rest.size() < 12 || rest[0] != static_cast<std::uint8_t>(Tag::structure) ||
              rest[1] != 2 || rest[2] != static_cast<std::uint8_t>(Tag::octet_string) ||
              rest[3] != 6 || !is_string_tag(rest[10])) {
            return std::size_t{0};
          }
          const std::size_t length = rest[11];
          if (length >= 0x80 || length > max_length || rest.size() - 12 < length) {
            return std::size_t{0};
          }
          named.offset = at;
          named.name = rest.subspan(4, 6);
          named.name_offset = at + 2;
          named.value.tag = static_cast<Tag>(rest[10]);
          named.value.offset = at + 10;
          named.value.content = rest.subspan(12, length);
          return take(named) ? 12 + length : 0;
        });
  }

  // A string value (octet-, visible-, utf8-string) with a short-form length next, within
  // the limits and all there: read into `out`, true. Otherwise false and nothing read.
  [[gnu::always_inline]] bool try_string(StringLeaf& out) noexcept {
    if (!room_for_value()) return false;
    const auto rest = r_.rest();
    if (rest.size() < 2 || !is_string_tag(rest[0]) || rest[1] >= 0x80 ||
        rest[1] > limits_.max_string_length || rest.size() - 2 < rest[1]) {
      return false;
    }
    out.tag = static_cast<Tag>(rest[0]);
    out.offset = r_.offset();
    out.content = rest.subspan(2, rest[1]);
    took_value();
    (void)r_.try_skip(2 + out.content.size());
    return true;
  }

 private:
  // An open container's parent: its elements still to come and its tag (the innermost
  // open container's are left_ and info_).
  struct Open {
    std::size_t remaining;
    const axdr_detail::TagInfo* info;
  };

  // The loop of the run readers, with the cursor's state in registers: `match(rest, at)`
  // reads one item at the front of `rest` (the absolute offset `at`) and returns its size,
  // or 0 to end the run before it. An item is `elements` elements of the innermost
  // container and `values` values. At most `most` items; returns how many.
  template <class Match>
  [[gnu::always_inline]] std::size_t run(std::size_t elements, std::size_t values, std::size_t most,
                                         Match&& match) noexcept {
    const auto data = r_.rest();
    const std::size_t base = r_.offset();
    // The items the container and the node limit leave room for, counted once.
    const std::size_t room =
        std::min({most, left_ / elements, (limits_.max_nodes - nodes_) / values});
    std::size_t pos = 0;
    std::size_t n = 0;
    for (; n < room; ++n) {
      const std::size_t size = match(data.subspan(pos), base + pos);
      if (size == 0) break;
      pos += size;
    }
    left_ -= elements * n;
    nodes_ += values * n;
    (void)r_.try_skip(pos);
    return n;
  }

  // The integer-like value of type `type` whose tag is at bytes[0] (its content present).
  [[gnu::always_inline]] static void read_integer(IntegerTag type,
                                                  std::span<const std::uint8_t> bytes,
                                                  std::size_t offset, IntegerLeaf& out) noexcept {
    const auto content = bytes.subspan(1, type.width);
    out.tag = static_cast<Tag>(bytes[0]);
    out.kind = type.kind;
    out.offset = offset;
    switch (type.kind) {
      case IntegerKind::boolean:
        out.bits = content[0] != 0 ? 1 : 0;
        break;
      case IntegerKind::signed_int:
        out.bits = static_cast<std::uint64_t>(load_be_signed(content));
        break;
      default:
        out.bits = load_be_unsigned(content);
        break;
    }
  }
  static constexpr bool is_string_tag(std::uint8_t byte) noexcept {
    return byte == static_cast<std::uint8_t>(Tag::octet_string) ||
           byte == static_cast<std::uint8_t>(Tag::visible_string) ||
           byte == static_cast<std::uint8_t>(Tag::utf8_string);
  }
  // The next bytes are a structure header of `count` elements (short form): a run reader's
  // first check, before any limit is loaded.
  [[nodiscard]] bool structure_next(std::uint8_t count) const noexcept {
    const auto rest = r_.rest();
    return rest.size() >= 2 && rest[0] == static_cast<std::uint8_t>(Tag::structure) &&
           rest[1] == count;
  }
  // A value may come next and the node limit leaves room for it.
  [[nodiscard]] bool room_for_value() const noexcept {
    return value_next() && nodes_ < limits_.max_nodes;
  }
  void took_value() noexcept {
    ++nodes_;
    --left_;
  }

  // Out of line (axdr_cursor.cpp): the slow header path, and the errors (cold), each of
  // which sets error_ and returns false.
  [[gnu::noinline]] bool read_header_slow(axdr_detail::Header& h);  // not only errors
  [[gnu::cold, gnu::noinline]] bool too_many_nodes(const axdr_detail::Header& h);
  [[gnu::cold, gnu::noinline]] bool too_deep(const axdr_detail::Header& h);
  [[gnu::cold, gnu::noinline]] bool short_content(const axdr_detail::Header& h);

  ByteReader& r_;
  AxdrLimits limits_;       // a copy: a cursor may be made with a temporary
  std::size_t base_;        // absolute offset of the reader's position 0
  InlineStack<Open> open_;  // the parents of the innermost open container
  std::size_t left_{1};     // values still to come in the innermost container (or the one value)
  const axdr_detail::TagInfo* info_{nullptr};  // the innermost open container's tag
  std::size_t nodes_{0};
  Error error_;
};

}  // namespace sm::dlms
