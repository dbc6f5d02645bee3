// ByteReader: the only code in the project that indexes raw bytes from the wire (with
// byte_at / bytes_at below, its error-free random-access twins for hot paths).
//
// Every read is bounds-checked and returns Result<T>; an error carries the name of
// what was being parsed and the absolute offset, e.g.
//   "DataNotification: expected 12 bytes, 3 left".
// `base` lets a reader over a sub-span report offsets relative to the enclosing unit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/endian.h"
#include "common/hex.h"
#include "common/result.h"

namespace sm {

// Random access beside ByteReader, for hot paths where a short read only means "not
// there (yet)" and no error text is wanted (the link-layer probes): the byte at `pos`,
// or nullopt. Costs a compare, where a ByteReader's short read builds its error text.
[[nodiscard]] inline std::optional<std::uint8_t> byte_at(std::span<const std::uint8_t> data,
                                                         std::size_t pos) noexcept {
  if (pos >= data.size()) return std::nullopt;
  return data[pos];
}
// A view of `count` bytes at `pos`, or nullopt when they are not (all) there.
[[nodiscard]] inline std::optional<std::span<const std::uint8_t>> bytes_at(
    std::span<const std::uint8_t> data, std::size_t pos, std::size_t count) noexcept {
  if (pos > data.size() || count > data.size() - pos) return std::nullopt;
  return data.subspan(pos, count);
}

class ByteReader {
 public:
  ByteReader(std::span<const std::uint8_t> data, Layer layer, std::string_view what,
             std::size_t base = 0) noexcept
      : data_(data), layer_(layer), what_(what), base_(base) {}

  [[nodiscard]] std::size_t offset() const noexcept { return base_ + pos_; }  // absolute
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }        // relative
  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] bool empty() const noexcept { return pos_ >= data_.size(); }
  [[nodiscard]] Layer layer() const noexcept { return layer_; }
  [[nodiscard]] std::string_view what() const noexcept { return what_; }
  [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return data_.subspan(pos_); }
  [[nodiscard]] std::span<const std::uint8_t> all() const noexcept { return data_; }

  void set_what(std::string_view what) noexcept { what_ = what; }

  Result<std::uint8_t> peek() const {
    if (empty()) return short_read(1);
    return data_[pos_];
  }
  Result<std::uint8_t> u8() {
    if (empty()) return short_read(1);
    return data_[pos_++];
  }
  Result<std::uint16_t> u16be() { return uint_be<std::uint16_t>(); }
  Result<std::uint32_t> u32be() { return uint_be<std::uint32_t>(); }

  // Returns a view of the next n bytes; the length is checked before anything else.
  Result<std::span<const std::uint8_t>> bytes(std::size_t n) {
    if (n > remaining()) return short_read(n);
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Result<void> skip(std::size_t n) {
    if (n > remaining()) return short_read(n);
    pos_ += n;
    return {};
  }
  // skip() for callers that checked the length already or handle a short read without an
  // Error: false (and nothing skipped) when fewer than n bytes are left.
  [[nodiscard]] bool try_skip(std::size_t n) noexcept {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  // Expects a specific byte value; `name` says what that byte is.
  Result<void> expect(std::uint8_t value, std::string_view name) {
    auto b = peek();
    if (!b) return tl::unexpected(b.error());
    if (*b != value) {
      return tl::unexpected(error(ErrorCode::decode, std::string(name) + ": expected 0x" +
                                                         hex_u8(value) + ", got 0x" + hex_u8(*b)));
    }
    ++pos_;
    return {};
  }

  // An error at the current position, prefixed with what is being parsed. Cold (as the
  // other error builders): the paths that build errors are moved out of the hot code.
  [[nodiscard, gnu::cold]] Error error(ErrorCode code, std::string message) const {
    return Error{code, layer_, offset(), std::string(what_) + ": " + std::move(message)};
  }
  [[nodiscard, gnu::cold]] Error error_at(std::size_t relative_pos, ErrorCode code,
                                          std::string message) const {
    return Error{code, layer_, base_ + relative_pos,
                 std::string(what_) + ": " + std::move(message)};
  }

 private:
  template <class T>
  Result<T> uint_be() {
    if (sizeof(T) > remaining()) return short_read(sizeof(T));
    const T v = load_be<T>(data_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  [[nodiscard, gnu::cold, gnu::noinline]] tl::unexpected<Error> short_read(
      std::size_t wanted) const {
    return tl::unexpected(error(
        ErrorCode::incomplete,
        "expected " + std::to_string(wanted) + " bytes, " + std::to_string(remaining()) + " left"));
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_{0};
  Layer layer_;
  std::string_view what_;
  std::size_t base_;
};

}  // namespace sm
