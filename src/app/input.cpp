#include "app/input.h"

#include "source/capture.h"

namespace sm::app {

Result<std::vector<std::uint8_t>> read_capture_bytes(const std::string& path) {
  auto capture = source::read_capture_file(path);
  if (!capture) return tl::unexpected(capture.error());
  const auto bytes = capture->chunks.all_bytes();
  return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace sm::app
