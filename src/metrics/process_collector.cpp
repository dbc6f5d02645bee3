// ProcessCollector: the process_* metrics every Prometheus client library exports, read
// from /proc/self (Linux only; prometheus-cpp has no process collector).
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <string>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <system_error>
#include <unistd.h>

#include "metrics/collector.h"
#include "metrics/families.h"
#include "metrics/metric_spec.h"
#include "metrics/process_stats.h"

namespace sm::metrics {
namespace {

using enum MetricKind;

// Names and help as client_golang's process collector has them, so dashboards built for
// other exporters work unchanged.
constexpr MetricSpec kCpuSeconds{"process_cpu_seconds_total",
                                 "Total user and system CPU time spent in seconds.", counter};
constexpr MetricSpec kResidentMemory{"process_resident_memory_bytes",
                                     "Resident memory size in bytes.", gauge};
constexpr MetricSpec kVirtualMemory{"process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                    gauge};
constexpr MetricSpec kOpenFds{"process_open_fds", "Number of open file descriptors.", gauge};
constexpr MetricSpec kMaxFds{"process_max_fds", "Maximum number of open file descriptors.", gauge};
constexpr MetricSpec kStartTime{"process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.", gauge};
constexpr std::array kSpecs{kCpuSeconds, kResidentMemory, kVirtualMemory,
                            kOpenFds,    kMaxFds,         kStartTime};
static_assert(std::all_of(kSpecs.begin(), kSpecs.end(), is_valid_spec),
              "metric name, help or _total suffix wrong");

template <class Int>
std::optional<Int> parse_number(std::string_view text) {
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// /proc files report size 0, so read until EOF instead of by size. Plain open/read: this
// runs on every scrape, and an ifstream cost several times the read itself.
std::optional<std::string> read_proc_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      if (n < 0) return std::nullopt;
      return text;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

// Entries of /proc/self/fd, read with getdents64 into a stack buffer (no allocation, no
// stat per entry). The directory's own descriptor is counted too, as client_golang counts it.
std::optional<std::uint64_t> count_open_fds() {
  const int fd = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  alignas(8) std::array<char, 8192> buffer{};
  std::uint64_t count = 0;
  for (;;) {
    const long n = ::syscall(SYS_getdents64, fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      if (n < 0) return std::nullopt;
      return count;
    }
    for (long offset = 0; offset < n;) {
      // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
      std::uint16_t record_length = 0;
      std::memcpy(&record_length, buffer.data() + offset + 16, sizeof record_length);
      const char* name = buffer.data() + offset + 19;
      if (name[0] != '.') ++count;  // skip "." and ".."
      if (record_length == 0) break;
      offset += record_length;
    }
  }
}

std::optional<double> max_open_fds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<double>::infinity();
  return static_cast<double>(limit.rlim_cur);
}

}  // namespace

std::optional<ProcSelfStat> parse_proc_self_stat(std::string_view text) {
  const std::size_t comm_end = text.rfind(')');
  if (comm_end == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(comm_end + 1);

  // Fields after the command name, starting with (3) state.
  constexpr std::size_t kFirstField = 3;
  constexpr std::size_t kLastField = 24;
  std::array<std::string_view, kLastField + 1> field{};
  std::size_t number = kFirstField;
  while (number <= kLastField) {
    const std::size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(start);
    const std::size_t length = std::min(rest.find_first_of(" \n"), rest.size());
    field[number++] = rest.substr(0, length);
    rest.remove_prefix(length);
  }
  const auto utime = parse_number<std::uint64_t>(field[14]);
  const auto stime = parse_number<std::uint64_t>(field[15]);
  const auto starttime = parse_number<std::uint64_t>(field[22]);
  const auto vsize = parse_number<std::uint64_t>(field[23]);
  const auto rss = parse_number<std::uint64_t>(field[24]);
  if (!utime || !stime || !starttime || !vsize || !rss) return std::nullopt;
  return ProcSelfStat{*utime, *stime, *starttime, *vsize, *rss};
}

std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat) {
  constexpr std::string_view kKey = "btime ";
  while (!proc_stat.empty()) {
    const std::size_t eol = std::min(proc_stat.find('\n'), proc_stat.size());
    std::string_view line = proc_stat.substr(0, eol);
    proc_stat.remove_prefix(std::min(eol + 1, proc_stat.size()));
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return parse_number<std::int64_t>(line);
  }
  return std::nullopt;
}

ProcessSample compute_process_sample(const ProcessInputs& in) {
  ProcessSample out;
  if (in.stat) {
    if (in.ticks_per_second > 0) {
      const auto ticks = static_cast<double>(in.ticks_per_second);
      out.cpu_seconds = static_cast<double>(in.stat->user_ticks + in.stat->system_ticks) / ticks;
      if (in.boot_time) {
        out.start_time_seconds =
            static_cast<double>(*in.boot_time) + static_cast<double>(in.stat->start_ticks) / ticks;
      }
    }
    if (in.page_size > 0) {
      out.resident_bytes =
          static_cast<double>(in.stat->resident_pages) * static_cast<double>(in.page_size);
    }
    out.virtual_bytes = static_cast<double>(in.stat->virtual_bytes);
  }
  if (in.open_fds) out.open_fds = static_cast<double>(*in.open_fds);
  out.max_fds = in.max_fds;
  return out;
}

std::vector<prometheus::MetricFamily> process_families(const ProcessSample& sample) {
  std::vector<prometheus::MetricFamily> out;
  const auto add = [&out](const MetricSpec& spec, const std::optional<double>& value) {
    if (value) out.push_back(single_sample(spec, *value));
  };
  add(kCpuSeconds, sample.cpu_seconds);
  add(kResidentMemory, sample.resident_bytes);
  add(kVirtualMemory, sample.virtual_bytes);
  add(kOpenFds, sample.open_fds);
  add(kMaxFds, sample.max_fds);
  add(kStartTime, sample.start_time_seconds);
  return out;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  ProcessInputs in;
  if (const auto stat = read_proc_file("/proc/self/stat")) in.stat = parse_proc_self_stat(*stat);
  // The boot time does not change while we run: read /proc/stat (which is long on big
  // machines, and costly to produce for the kernel) once, not on every scrape.
  static const std::optional<std::int64_t> boot_time = []() -> std::optional<std::int64_t> {
    if (const auto stat = read_proc_file("/proc/stat")) return parse_boot_time(*stat);
    return std::nullopt;
  }();
  in.boot_time = boot_time;
  in.ticks_per_second = sysconf(_SC_CLK_TCK);
  in.page_size = sysconf(_SC_PAGESIZE);
  in.open_fds = count_open_fds();
  in.max_fds = max_open_fds();
  return process_families(compute_process_sample(in));
}

}  // namespace sm::metrics
