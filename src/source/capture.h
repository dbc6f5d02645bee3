// Capture files: what `record` writes and the replay source (and `decode`) read.
//
// Three kinds of input are accepted:
//  * timed capture (written by CaptureWriter), one chunk per line with its arrival time:
//        # smartmeter_exporter capture v1
//        # start 2024-05-01T12:00:00.123456Z
//        # source serial /dev/ttyUSB0 2400 8E1
//        0.000000 68FAFA6853FF000167DB08...
//        0.412031 6872726853FF110167...
//    Line 1 is exactly the header. `# start` (optional) is the host's UTC wall-clock time
//    of offset 0; other `#` lines are free comments. A data line is
//    `<seconds>[.<up to 6 digits>] <hex>`: seconds since the start (non-decreasing) and
//    the bytes as they were read (hex as parse_hex() accepts it, at least one byte).
//    Empty lines are ignored; anything else is an error naming the line.
//  * hex text (the test vectors' input.hex, pasted dumps): sm::parse_hex(), one chunk.
//  * raw binary (e.g. `cat /dev/ttyUSB0 > file`): one chunk.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "source/capture_chunks.h"
#include "source/capture_resume.h"
#include "source/unique_fd.h"

namespace sm::source {

inline constexpr std::string_view kCaptureHeader = "# smartmeter_exporter capture v1";
// Ten days of a 2400-baud line, hex encoded, fit; a mistaken multi-gigabyte file does not.
inline constexpr std::size_t kMaxCaptureFileBytes = std::size_t{256} * 1024 * 1024;

enum class CaptureKind { timed, hex, binary };
[[nodiscard]] std::string_view to_string(CaptureKind kind) noexcept;

struct Capture {
  CaptureKind kind{CaptureKind::timed};
  std::optional<std::chrono::system_clock::time_point> start;  // from `# start`
  std::vector<std::string> comments;  // other `#` lines of a timed capture, without "# "
  CaptureChunks chunks;               // plain files: one chunk at offset 0 (none if empty)

  [[nodiscard]] std::size_t total_bytes() const noexcept;
  // Offset of the last chunk (0 for plain files).
  [[nodiscard]] std::chrono::microseconds span() const noexcept;
};

// True when `data` starts with the capture header line.
[[nodiscard]] bool is_timed_capture(std::span<const std::uint8_t> data) noexcept;

// Parses a timed capture. Errors: ErrorCode::decode, offset = byte offset of the bad
// line, message "capture line N: ...".
[[nodiscard]] Result<Capture> parse_timed_capture(std::string_view text);

// Any of the three kinds, detected from the content.
[[nodiscard]] Result<Capture> parse_capture(std::span<const std::uint8_t> data);

// Reads and parses a file ("-" = standard input). I/O errors are ErrorCode::unsupported
// with the errno text, a file above `max_bytes` is ErrorCode::length.
[[nodiscard]] Result<Capture> read_capture_file(const std::string& path,
                                                std::size_t max_bytes = kMaxCaptureFileBytes);

// One data line, newline included: "12.345678 68FAFA68...\n" (upper-case hex).
[[nodiscard]] std::string format_capture_line(std::chrono::microseconds offset,
                                              std::span<const std::uint8_t> bytes);

// "2024-05-01T12:00:00.123456Z" and back (only that exact form, UTC).
[[nodiscard]] std::string format_utc_timestamp(std::chrono::system_clock::time_point time);
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(
    std::string_view text) noexcept;

// What CaptureWriter::create does with an existing file. A recording is evidence (of what
// made the exporter restart, say), so it is never overwritten: by default an existing file
// is refused, and `append` continues a timed capture on its own timeline.
struct CaptureWriterOptions {
  bool append{false};
  std::string append_flag{"append"};  // how the caller's user asks for append, for errors
  // A file being read at the same time (--replay.file): writing to it, under any name
  // (same device and inode), is refused.
  std::string input_path;
};

// Appends chunks to a timed capture as they arrive. Every line is written with one
// write(), so a recorder killed at any point leaves a file that parses (at most the
// last line is lost).
class CaptureWriter {
 public:
  using Clock = std::chrono::system_clock;

  // Creates `path` ("-" writes to standard output) and writes the header, `# start <start>`
  // and one `# <comment>` line per comment (e.g. the source's describe()); newlines inside
  // comments become spaces. An existing file is refused (ErrorCode::unsupported, "exists")
  // unless options.append: then a timed capture is continued (see capture_resume.h) with
  // `# resumed <start>` and the comments, and an empty file is written as a new one.
  [[nodiscard]] static Result<CaptureWriter> create(const std::string& path,
                                                    std::span<const std::string> comments = {},
                                                    Clock::time_point start = Clock::now(),
                                                    const CaptureWriterOptions& options = {});

  // Appends a chunk at `offset` after the start. An offset earlier than the previous
  // one (host clock stepped back) is written as the previous one, so the file stays
  // valid. Empty chunks are skipped.
  Result<void> append(std::chrono::microseconds offset, std::span<const std::uint8_t> bytes);
  // Same, with the offset taken from an arrival time (Sink::on_bytes' `arrival`).
  Result<void> append(Clock::time_point arrival, std::span<const std::uint8_t> bytes);

  [[nodiscard]] Clock::time_point start() const noexcept { return start_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  CaptureWriter(UniqueFd fd, std::string path, Clock::time_point start) noexcept
      : fd_(std::move(fd)), path_(std::move(path)), start_(start) {}
  // Writes the header of a new capture, or the `# resumed` lines of a continued one.
  static Result<CaptureWriter> start_capture(UniqueFd fd, const std::string& path,
                                             std::span<const std::string> comments,
                                             Clock::time_point start,
                                             const std::optional<ResumePoint>& resume);
  Result<void> write_all(std::string_view text);

  UniqueFd fd_;
  std::string path_;
  Clock::time_point start_;
  std::chrono::microseconds last_offset_{0};
};

}  // namespace sm::source
