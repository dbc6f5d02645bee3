#include "source/capture_chunks.h"

#include "common/hex.h"

namespace sm::source {

void CaptureChunks::push_back(std::chrono::microseconds offset,
                              std::span<const std::uint8_t> bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  ends_.push_back({offset, bytes_.size()});
}

bool CaptureChunks::push_back_hex(std::chrono::microseconds offset, std::string_view hex) {
  if (!parse_hex_append(hex, bytes_)) return false;
  ends_.push_back({offset, bytes_.size()});
  return true;
}

CaptureChunks::Chunk CaptureChunks::operator[](std::size_t index) const noexcept {
  const std::size_t begin = index == 0 ? 0 : ends_[index - 1].end;
  return {ends_[index].offset,
          std::span<const std::uint8_t>(bytes_).subspan(begin, ends_[index].end - begin)};
}

std::size_t CaptureChunks::heap_bytes() const noexcept {
  return bytes_.capacity() + ends_.capacity() * sizeof(End);
}

void CaptureChunks::shrink_to_fit() {
  // A shrink copies, with both buffers alive for a moment: only worth it for real slack (the
  // chunk list reserved per line is within a few comment lines of its size).
  const auto shrink = [](auto& buffer) {
    if (buffer.capacity() - buffer.size() > buffer.size() / 8) buffer.shrink_to_fit();
  };
  shrink(bytes_);
  shrink(ends_);
}

}  // namespace sm::source
