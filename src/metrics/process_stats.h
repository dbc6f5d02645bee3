// Parsers behind ProcessCollector: pure functions over the text of /proc files (proc(5)),
// tested on literals; process_collector.cpp only reads the files and calls them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

namespace sm::metrics {

// The fields of /proc/self/stat this exporter reports (proc(5), numbering from 1).
struct ProcSelfStat {
  std::uint64_t user_ticks{0};      // (14) utime, clock ticks
  std::uint64_t system_ticks{0};    // (15) stime, clock ticks
  std::uint64_t start_ticks{0};     // (22) starttime, clock ticks after boot
  std::uint64_t virtual_bytes{0};   // (23) vsize
  std::uint64_t resident_pages{0};  // (24) rss
};

// "pid (comm) state ppid …". comm may hold spaces and parentheses, so fields are counted
// from the last ')'. nullopt when a field is missing or not a number.
[[nodiscard]] std::optional<ProcSelfStat> parse_proc_self_stat(std::string_view text);

// The `btime` line of /proc/stat: boot time in seconds since the Unix epoch.
[[nodiscard]] std::optional<std::int64_t> parse_boot_time(std::string_view proc_stat);

// What ProcessCollector exports; a metric whose source could not be read is nullopt and
// left out of the scrape (a half-readable /proc must not fail the scrape).
struct ProcessSample {
  std::optional<double> cpu_seconds;
  std::optional<double> resident_bytes;
  std::optional<double> virtual_bytes;
  std::optional<double> open_fds;
  std::optional<double> max_fds;
  std::optional<double> start_time_seconds;
};

struct ProcessInputs {
  std::optional<ProcSelfStat> stat;
  std::optional<std::int64_t> boot_time;
  long ticks_per_second{0};  // sysconf(_SC_CLK_TCK)
  long page_size{0};         // sysconf(_SC_PAGESIZE)
  std::optional<std::uint64_t> open_fds;
  std::optional<double> max_fds;  // RLIMIT_NOFILE soft limit; +Inf when unlimited
};

[[nodiscard]] ProcessSample compute_process_sample(const ProcessInputs& in);

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds (those present).
[[nodiscard]] std::vector<prometheus::MetricFamily> process_families(const ProcessSample& sample);

}  // namespace sm::metrics
