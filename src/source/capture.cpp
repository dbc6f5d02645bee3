#include "source/capture.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hex.h"

namespace sm::source {
namespace {

using std::chrono::microseconds;

// Seconds in a capture offset: 11 digits is over 3000 years, and keeps the value far
// from overflowing microseconds' int64.
constexpr std::size_t kMaxOffsetSecondDigits = 11;

tl::unexpected<Error> line_error(std::size_t line_offset, std::size_t line_number,
                                 const std::string& why) {
  return fail(ErrorCode::decode, Layer::source, line_offset,
              "capture line " + std::to_string(line_number) + ": " + why);
}

tl::unexpected<Error> io_error(const std::string& what, int error_number) {
  return fail(ErrorCode::io, Layer::source, 0, what + ": " + errno_text(error_number));
}

bool all_digits(std::string_view text) noexcept {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Fixed-width decimal field; false unless all `text` is digits.
template <class T>
bool parse_field(std::string_view text, T& value) noexcept {
  if (!all_digits(text)) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

// "<seconds>[.<1..6 digits>]"
std::optional<microseconds> parse_offset(std::string_view text) noexcept {
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.size() > kMaxOffsetSecondDigits) return std::nullopt;
  long long seconds = 0;
  if (!parse_field(whole, seconds)) return std::nullopt;
  long long micros = 0;
  if (dot != std::string_view::npos) {
    if (fraction.empty() || fraction.size() > 6 || !parse_field(fraction, micros)) {
      return std::nullopt;
    }
    for (std::size_t i = fraction.size(); i < 6; ++i) micros *= 10;
  }
  return microseconds{seconds * 1'000'000 + micros};
}

std::string_view trim(std::string_view text) noexcept {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Text parsers work on chars; a copy keeps bytes and chars apart without casts.
std::string as_text(std::span<const std::uint8_t> data) {
  return {data.begin(), data.end()};
}

Result<std::vector<std::uint8_t>> read_all(int fd, const std::string& path, std::size_t max_bytes) {
  std::vector<std::uint8_t> data;
  struct stat info = {};
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    if (static_cast<std::uintmax_t>(info.st_size) > max_bytes) {
      return fail(ErrorCode::length, Layer::source, 0,
                  path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    data.reserve(static_cast<std::size_t>(info.st_size));
  }
  std::array<std::uint8_t, std::size_t{64} * 1024> buffer{};
  for (;;) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("read " + path, errno);
    }
    if (got == 0) break;
    if (data.size() + static_cast<std::size_t>(got) > max_bytes) {
      return fail(ErrorCode::length, Layer::source, data.size(),
                  path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    data.insert(data.end(), buffer.begin(), buffer.begin() + got);
  }
  return data;
}

// Recording onto the file being replayed would destroy the input: the same file is the same
// device and inode, whatever names (links, "./x", symlinks) lead to it.
Result<void> refuse_same_file(const struct stat& output, const std::string& path,
                              const std::string& input_path) {
  struct stat input = {};
  if (input_path.empty() || ::stat(input_path.c_str(), &input) != 0) return {};
  if (input.st_dev != output.st_dev || input.st_ino != output.st_ino) return {};
  return config_error(Layer::source,
                      path + " is the replay input " + input_path + "; record to another file");
}

Result<void> refuse_input_file(const std::string& path, const std::string& input_path) {
  struct stat output = {};
  if (::stat(path.c_str(), &output) != 0) return {};
  return refuse_same_file(output, path, input_path);
}

Result<void> refuse_input_file(int fd, const std::string& path, const std::string& input_path) {
  struct stat output = {};
  if (::fstat(fd, &output) != 0) return io_error("stat " + path, errno);
  return refuse_same_file(output, path, input_path);
}

}  // namespace

std::string_view to_string(CaptureKind kind) noexcept {
  switch (kind) {
    case CaptureKind::timed:
      return "capture";
    case CaptureKind::hex:
      return "hex";
    case CaptureKind::binary:
      return "binary";
  }
  return "binary";
}

std::size_t Capture::total_bytes() const noexcept {
  return chunks.all_bytes().size();
}

std::chrono::microseconds Capture::span() const noexcept {
  return chunks.empty() ? microseconds{0} : chunks.back().offset;
}

bool is_timed_capture(std::span<const std::uint8_t> data) noexcept {
  if (data.size() < kCaptureHeader.size() ||
      !std::equal(kCaptureHeader.begin(), kCaptureHeader.end(), data.begin(),
                  [](char expected, std::uint8_t got) {
                    return static_cast<std::uint8_t>(expected) == got;
                  })) {
    return false;
  }
  auto after = data.subspan(kCaptureHeader.size());
  return after.empty() || after.front() == '\n' || after.front() == '\r';
}

Result<Capture> parse_timed_capture(std::string_view text) {
  Capture capture;
  capture.kind = CaptureKind::timed;
  // At most one chunk per line: reserved once, so the chunk list does not double while a
  // large capture is read.
  capture.chunks.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::size_t line_start = 0;
  std::size_t line_number = 0;
  microseconds previous{0};
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = trim(text.substr(line_start, line_end - line_start));
    std::size_t offset = line_start;
    ++line_number;
    line_start = line_end + 1;

    if (line_number == 1) {
      if (line != kCaptureHeader) {
        return line_error(offset, line_number, "expected \"" + std::string(kCaptureHeader) + "\"");
      }
      continue;
    }
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::string_view comment = trim(line.substr(1));
      if (comment.starts_with("start ")) {
        auto start = parse_utc_timestamp(trim(comment.substr(6)));
        if (!start) {
          return line_error(offset, line_number,
                            "start time must look like 2024-05-01T12:00:00.123456Z");
        }
        capture.start = start;
      } else {
        capture.comments.emplace_back(comment);
      }
      continue;
    }

    auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return line_error(offset, line_number, "expected \"<seconds> <hex bytes>\"");
    }
    auto arrival = parse_offset(line.substr(0, space));
    if (!arrival) {
      return line_error(offset, line_number,
                        "bad time \"" + std::string(line.substr(0, space)) +
                            "\" (seconds with up to 6 decimals)");
    }
    if (*arrival < previous) {
      return line_error(offset, line_number, "time goes backwards");
    }
    if (!capture.chunks.push_back_hex(*arrival, line.substr(space + 1))) {
      return line_error(offset, line_number, "bad hex bytes");
    }
    if (capture.chunks.back().bytes.empty()) return line_error(offset, line_number, "no bytes");
    previous = *arrival;
  }
  if (line_number == 0) return line_error(0, 1, "empty file");
  capture.chunks.shrink_to_fit();
  return capture;
}

Result<Capture> parse_capture(std::span<const std::uint8_t> data) {
  if (is_timed_capture(data)) return parse_timed_capture(as_text(data));
  Capture capture;
  if (looks_like_hex_text(data)) {
    capture.kind = CaptureKind::hex;
    if (!capture.chunks.push_back_hex(microseconds{0}, as_text(data))) {
      return fail(ErrorCode::decode, Layer::source, 0, "bad hex text");
    }
    capture.chunks.shrink_to_fit();
    return capture;
  }
  capture.kind = CaptureKind::binary;
  if (!data.empty()) {
    capture.chunks.push_back(microseconds{0}, data);
  }
  return capture;
}

Result<Capture> read_capture_file(const std::string& path, std::size_t max_bytes) {
  UniqueFd fd(path == "-" ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return io_error("open " + path, errno);
  auto data = read_all(fd.get(), path, max_bytes);
  if (!data) return tl::unexpected(data.error());
  auto capture = parse_capture(*data);
  if (!capture) {
    Error error = capture.error();
    error.message = path + ": " + error.message;
    return tl::unexpected(std::move(error));
  }
  return capture;
}

std::string format_capture_line(microseconds offset, std::span<const std::uint8_t> bytes) {
  auto count = std::max<long long>(offset.count(), 0);
  std::array<char, 32> time_text{};
  int length = std::snprintf(time_text.data(), time_text.size(), "%lld.%06lld", count / 1'000'000,
                             count % 1'000'000);
  std::string line(time_text.data(), static_cast<std::size_t>(std::max(length, 0)));
  line += ' ';
  line += to_hex(bytes);
  line += '\n';
  return line;
}

std::string format_utc_timestamp(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto micros = floor<microseconds>(time);
  auto day = floor<days>(micros);
  year_month_day date{day};
  hh_mm_ss clock{micros - day};
  std::array<char, 40> text{};
  int length = std::snprintf(
      text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
      static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
      static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
      static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()),
      static_cast<long long>(clock.subseconds().count()));
  return {text.data(), static_cast<std::size_t>(std::max(length, 0))};
}

std::optional<std::chrono::system_clock::time_point> parse_utc_timestamp(
    std::string_view text) noexcept {
  using namespace std::chrono;
  // 2024-05-01T12:00:00[.ffffff]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  int year_value = 0;
  unsigned month_value = 0, day_value = 0;
  int hour = 0, minute = 0, second = 0;
  if (!parse_field(text.substr(0, 4), year_value) || !parse_field(text.substr(5, 2), month_value) ||
      !parse_field(text.substr(8, 2), day_value) || !parse_field(text.substr(11, 2), hour) ||
      !parse_field(text.substr(14, 2), minute) || !parse_field(text.substr(17, 2), second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  long long micros = 0;
  std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.') return std::nullopt;
    std::string_view fraction = rest.substr(1);
    if (fraction.empty() || fraction.size() > 6 || !parse_field(fraction, micros)) {
      return std::nullopt;
    }
    for (std::size_t i = fraction.size(); i < 6; ++i) micros *= 10;
  }
  year_month_day date{year{year_value}, month{month_value}, day{day_value}};
  if (!date.ok()) return std::nullopt;
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + microseconds{micros};
}

Result<CaptureWriter> CaptureWriter::create(const std::string& path,
                                            std::span<const std::string> comments,
                                            Clock::time_point start,
                                            const CaptureWriterOptions& options) {
  if (path == "-") return start_capture(UniqueFd(::dup(STDOUT_FILENO)), path, comments, start, {});
  // O_EXCL: an existing recording is never truncated. Appending reads the head and tail.
  const int flags = options.append ? O_RDWR | O_CREAT | O_APPEND : O_WRONLY | O_CREAT | O_EXCL;
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (!fd && errno == EEXIST) {
    if (auto same = refuse_input_file(path, options.input_path); !same) {
      return tl::unexpected(same.error());
    }
    return config_error(Layer::source,
                        path + " exists and a recording is never overwritten: continue it with " +
                            options.append_flag + ", or move it away");
  }
  if (!fd) return io_error("create " + path, errno);
  if (auto same = refuse_input_file(fd.get(), path, options.input_path); !same) {
    return tl::unexpected(same.error());
  }
  std::optional<ResumePoint> resume;
  struct stat status = {};
  if (options.append && ::fstat(fd.get(), &status) == 0 && status.st_size > 0) {
    auto point = find_resume_point(fd.get(), path);
    if (!point) return tl::unexpected(point.error());
    resume = *point;
  }
  return start_capture(std::move(fd), path, comments, start, resume);
}

Result<CaptureWriter> CaptureWriter::start_capture(UniqueFd fd, const std::string& path,
                                                   std::span<const std::string> comments,
                                                   Clock::time_point start,
                                                   const std::optional<ResumePoint>& resume) {
  if (!fd) return io_error("create " + path, errno);
  CaptureWriter writer(std::move(fd), path, resume ? resume->start : start);
  std::string header;
  if (resume) {
    writer.last_offset_ = resume->last_offset;
    header = "# resumed " + format_utc_timestamp(start) + "\n";
  } else {
    header = std::string(kCaptureHeader) + "\n# start " + format_utc_timestamp(start) + "\n";
  }
  for (const auto& comment : comments) {
    std::string line = comment;
    std::replace(line.begin(), line.end(), '\n', ' ');
    std::replace(line.begin(), line.end(), '\r', ' ');
    header += "# " + line + "\n";
  }
  if (auto written = writer.write_all(header); !written) return tl::unexpected(written.error());
  return writer;
}

Result<void> CaptureWriter::append(microseconds offset, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return {};
  offset = std::max(offset, last_offset_);
  last_offset_ = offset;
  return write_all(format_capture_line(offset, bytes));
}

Result<void> CaptureWriter::append(Clock::time_point arrival, std::span<const std::uint8_t> bytes) {
  return append(std::chrono::floor<microseconds>(arrival - start_), bytes);
}

Result<void> CaptureWriter::write_all(std::string_view text) {
  while (!text.empty()) {
    ssize_t written = ::write(fd_.get(), text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("write " + path_, errno);
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

}  // namespace sm::source
