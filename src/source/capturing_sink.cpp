#include "source/capturing_sink.h"

namespace sm::source {

void CapturingSink::on_bytes(std::span<const std::uint8_t> bytes,
                             std::chrono::system_clock::time_point arrival) {
  if (auto written = writer_.append(arrival, bytes); written) {
    bytes_written_ += bytes.size();
  } else if (!write_error_logged_) {
    // A full disk must not stop the meter's data: keep passing bytes on, say it once.
    write_error_logged_ = true;
    next_.log(LogLevel::error,
              "recording to " + writer_.path() +
                  " failed; bytes are no longer recorded: " + written.error().message);
  }
  next_.on_bytes(bytes, arrival);
}

}  // namespace sm::source
