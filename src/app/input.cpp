#include "app/input.h"

#include "source/capture.h"

namespace sm::app {

Result<std::vector<std::uint8_t>> read_capture_bytes(const std::string& path) {
  auto capture = source::read_capture_file(path);
  if (!capture) return tl::unexpected(capture.error());
  std::vector<std::uint8_t> bytes;
  bytes.reserve(capture->total_bytes());
  for (const auto& chunk : capture->chunks) {
    bytes.insert(bytes.end(), chunk.bytes.begin(), chunk.bytes.end());
  }
  return bytes;
}

}  // namespace sm::app
