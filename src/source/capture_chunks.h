// The chunks of a capture (what one read() delivered, with its arrival time), their bytes
// in one buffer and each chunk an offset into it. A timed capture of one-byte reads costs
// about 17 bytes per chunk here, against about 80 as a vector per chunk (issue 14 item 9:
// a 20 MB capture took 294 MB; `scripts/bench-capture-memory.sh` measures it).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sm::source {

class CaptureChunks {
 public:
  struct Chunk {
    std::chrono::microseconds offset{0};  // arrival time since the start of the recording
    std::span<const std::uint8_t> bytes;  // valid while the CaptureChunks is unchanged
  };

  class const_iterator {
   public:
    using value_type = Chunk;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    const_iterator(const CaptureChunks* chunks, std::size_t index)
        : chunks_(chunks), index_(index) {}
    Chunk operator*() const { return (*chunks_)[index_]; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const const_iterator&) const = default;

   private:
    const CaptureChunks* chunks_ = nullptr;
    std::size_t index_ = 0;
  };

  void push_back(std::chrono::microseconds offset, std::span<const std::uint8_t> bytes);
  // Appends the bytes hex text gives (sm::parse_hex's grammar) as one chunk; false, and
  // nothing appended, when the text is not hex.
  [[nodiscard]] bool push_back_hex(std::chrono::microseconds offset, std::string_view hex);

  [[nodiscard]] std::size_t size() const noexcept { return ends_.size(); }
  [[nodiscard]] bool empty() const noexcept { return ends_.empty(); }
  [[nodiscard]] Chunk operator[](std::size_t index) const noexcept;
  [[nodiscard]] Chunk back() const noexcept { return (*this)[size() - 1]; }
  [[nodiscard]] const_iterator begin() const noexcept { return {this, 0}; }
  [[nodiscard]] const_iterator end() const noexcept { return {this, size()}; }

  // All chunks' bytes, in order, as one span.
  [[nodiscard]] std::span<const std::uint8_t> all_bytes() const noexcept { return bytes_; }
  // What the chunks hold on the heap (capacities), for the memory tests.
  [[nodiscard]] std::size_t heap_bytes() const noexcept;
  // Room for this many chunks (their bytes still grow as they come).
  void reserve(std::size_t chunks) { ends_.reserve(chunks); }
  // Gives back what the buffers reserved well beyond their size.
  void shrink_to_fit();

 private:
  struct End {
    std::chrono::microseconds offset;
    std::size_t end;  // one past the chunk's last byte in bytes_
  };
  std::vector<std::uint8_t> bytes_;
  std::vector<End> ends_;
};

}  // namespace sm::source
