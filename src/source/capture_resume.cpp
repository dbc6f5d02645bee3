#include "source/capture_resume.h"

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#include "source/capture.h"
#include "source/unique_fd.h"

namespace sm::source {
namespace {

// The header and the `# start` line come first; a data line is one read() of the device
// in hex, far below this.
constexpr std::size_t kWindowBytes = 64 * 1024;

Result<std::string> read_at(int fd, off_t offset, std::size_t length, const std::string& path) {
  std::string buffer(length, '\0');
  std::size_t done = 0;
  while (done < length) {
    const ssize_t got =
        ::pread(fd, buffer.data() + done, length - done, offset + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return fail(ErrorCode::io, Layer::source, 0, "read " + path + ": " + errno_text(errno));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  buffer.resize(done);
  return buffer;
}

tl::unexpected<Error> cannot_append(const std::string& path, const std::string& why) {
  return fail(ErrorCode::decode, Layer::source, 0, "cannot append to " + path + ": " + why);
}

// The last line of `tail` (which ends in '\n') that holds data, or empty.
std::string_view last_data_line(std::string_view tail) {
  tail.remove_suffix(1);
  while (!tail.empty()) {
    const std::size_t newline = tail.rfind('\n');
    if (newline == std::string_view::npos) return {};  // may be cut off: not trusted
    const std::string_view line = tail.substr(newline + 1);
    tail = tail.substr(0, newline);
    if (!line.empty() && line.front() != '#' && line.find_first_not_of(" \t\r") != line.npos) {
      return line;
    }
  }
  return {};
}

}  // namespace

Result<ResumePoint> find_resume_point(int fd, const std::string& path) {
  struct stat status = {};
  if (::fstat(fd, &status) != 0) {
    return fail(ErrorCode::io, Layer::source, 0, "stat " + path + ": " + errno_text(errno));
  }
  const auto size = static_cast<std::size_t>(status.st_size);
  auto head = read_at(fd, 0, std::min(size, kWindowBytes), path);
  if (!head) return tl::unexpected(head.error());
  if (!std::string_view(*head).starts_with(kCaptureHeader)) {
    return cannot_append(path, "not a timed capture (its first line is not \"" +
                                   std::string(kCaptureHeader) + "\")");
  }
  // Only complete lines of the head are parsed; the capture parser does the checking.
  auto parsed_head = parse_timed_capture(std::string_view(*head).substr(0, head->rfind('\n') + 1));
  if (!parsed_head) return cannot_append(path, parsed_head.error().message);
  if (!parsed_head->start) return cannot_append(path, "it has no \"# start\" line");

  const std::size_t tail_length = std::min(size, kWindowBytes);
  auto tail = read_at(fd, static_cast<off_t>(size - tail_length), tail_length, path);
  if (!tail) return tl::unexpected(tail.error());
  if (tail->empty() || tail->back() != '\n') {
    return cannot_append(path, "it ends in a partial line");
  }
  ResumePoint point{*parsed_head->start, {}};
  const std::string_view line = last_data_line(*tail);
  if (!line.empty()) {
    auto last = parse_timed_capture(std::string(kCaptureHeader) + "\n" + std::string(line) + "\n");
    if (!last || last->chunks.empty()) {
      return cannot_append(path, "its last data line does not parse");
    }
    point.last_offset = last->chunks.back().offset;
  }
  return point;
}

}  // namespace sm::source
