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
  std::array<T, 32> inline_{};
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

  // A point to come back to, for a consumer that tries a pattern of several items and
  // takes another way when it does not match: rewind() restores the cursor and its reader
  // to it, provided no container that was open at mark() has been closed since.
  struct Mark {
    ByteReader reader;
    std::size_t depth;
    std::size_t left;
    std::size_t nodes;
    const axdr_detail::TagInfo* info;
  };
  [[nodiscard]] Mark mark() const noexcept { return Mark{r_, open_.size(), left_, nodes_, info_}; }
  void rewind(const Mark& m) noexcept {
    r_ = m.reader;
    while (open_.size() > m.depth) open_.pop();
    left_ = m.left;
    nodes_ = m.nodes;
    info_ = m.info;
  }

  // An integer-like value next, within the limits and all there: read into `out`, true.
  // Otherwise false and nothing read.
  [[gnu::always_inline]] bool try_integer(IntegerLeaf& out) noexcept {
    if (!room_for_value()) return false;
    const auto rest = r_.rest();
    if (rest.empty()) return false;
    const IntegerTag type = integer_tag(rest[0]);
    if (type.kind == IntegerKind::none || rest.size() - 1 < type.width) return false;
    const auto content = rest.subspan(1, type.width);
    out.tag = static_cast<Tag>(rest[0]);
    out.kind = type.kind;
    out.offset = r_.offset();
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
    took_value();
    (void)r_.try_skip(1 + type.width);
    return true;
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
    std::size_t remaining{0};
    const axdr_detail::TagInfo* info{nullptr};
  };

  static constexpr bool is_string_tag(std::uint8_t byte) noexcept {
    return byte == static_cast<std::uint8_t>(Tag::octet_string) ||
           byte == static_cast<std::uint8_t>(Tag::visible_string) ||
           byte == static_cast<std::uint8_t>(Tag::utf8_string);
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
