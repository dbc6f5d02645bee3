// Process metrics: /proc parsers on literal text, then the real /proc/self once.
#include "metrics/process_stats.h"

#include <cmath>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/collector.h"
#include "metrics_test_util.h"

namespace sm::metrics {
namespace {

using ::testing::HasSubstr;
using namespace test_support;

// proc(5) fields 1..25 with comm holding a space and a ')' (a process may name itself so).
constexpr std::string_view kSelfStat =
    "4242 (smart meter) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 130 0 0 20 0 3 0 "
    "987654 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 2 0 0 0 0 0\n";

TEST(ProcSelfStat, ParsesFieldsAfterTheLastParenthesis) {
  const auto stat = parse_proc_self_stat(kSelfStat);
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->user_ticks, 250u);
  EXPECT_EQ(stat->system_ticks, 130u);
  EXPECT_EQ(stat->start_ticks, 987654u);
  EXPECT_EQ(stat->virtual_bytes, 123456789u);
  EXPECT_EQ(stat->resident_pages, 2048u);
}

TEST(ProcSelfStat, RejectsTruncatedOrGarbledText) {
  EXPECT_FALSE(parse_proc_self_stat("").has_value());
  EXPECT_FALSE(parse_proc_self_stat("4242 smartmeter S 1 2 3").has_value());  // no comm
  EXPECT_FALSE(
      parse_proc_self_stat("4242 (sm) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250").has_value());
  EXPECT_FALSE(
      parse_proc_self_stat("4242 (sm) S 1 4242 4242 0 -1 4194560 1234 0 0 0 2x0 130 0 0 20 0 3 0 "
                           "987654 123456789 2048")
          .has_value());
}

TEST(ProcStat, FindsBootTime) {
  constexpr std::string_view kProcStat =
      "cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0\n"
      "cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0\n"
      "intr 1462898 0 9 0\n"
      "ctxt 115315133\n"
      "btime 1700000000\n"
      "processes 86031\n";
  EXPECT_EQ(parse_boot_time(kProcStat), 1700000000);
  EXPECT_EQ(parse_boot_time("btime 42"), 42);
  EXPECT_FALSE(parse_boot_time("cpu 1 2 3\nctxt 5\n").has_value());
  EXPECT_FALSE(parse_boot_time("btime soon\n").has_value());
  EXPECT_FALSE(parse_boot_time("xbtime 5\n").has_value());
}

TEST(ProcessSample, CombinesTicksPagesAndBootTime) {
  ProcessInputs in;
  in.stat = parse_proc_self_stat(kSelfStat);
  in.boot_time = 1700000000;
  in.ticks_per_second = 100;
  in.page_size = 4096;
  in.open_fds = 7;
  in.max_fds = 1024;
  const ProcessSample sample = compute_process_sample(in);
  EXPECT_DOUBLE_EQ(*sample.cpu_seconds, 3.8);
  EXPECT_DOUBLE_EQ(*sample.start_time_seconds, 1700009876.54);
  EXPECT_DOUBLE_EQ(*sample.resident_bytes, 8388608);
  EXPECT_DOUBLE_EQ(*sample.virtual_bytes, 123456789);
  EXPECT_DOUBLE_EQ(*sample.open_fds, 7);
  EXPECT_DOUBLE_EQ(*sample.max_fds, 1024);

  const std::string text = to_text(process_families(sample));
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter\n"
                              "process_cpu_seconds_total 3.8\n"));
  EXPECT_THAT(text, HasSubstr("\nprocess_resident_memory_bytes 8388608\n"));
  EXPECT_THAT(text, HasSubstr("\nprocess_virtual_memory_bytes 123456789\n"));
  EXPECT_THAT(text, HasSubstr("\nprocess_open_fds 7\n"));
  EXPECT_THAT(text, HasSubstr("\nprocess_max_fds 1024\n"));
  EXPECT_THAT(text, HasSubstr("\nprocess_start_time_seconds 1700009876.54\n"));
}

TEST(ProcessSample, LeavesOutWhatCouldNotBeRead) {
  ProcessInputs in;
  in.max_fds = 1024;
  const auto families = process_families(compute_process_sample(in));
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "process_max_fds");

  in.stat = parse_proc_self_stat(kSelfStat);  // but no boot time, no clock tick rate
  const auto more = process_families(compute_process_sample(in));
  EXPECT_EQ(find_family(more, "process_start_time_seconds"), nullptr);
  EXPECT_EQ(find_family(more, "process_cpu_seconds_total"), nullptr);
  EXPECT_NE(find_family(more, "process_virtual_memory_bytes"), nullptr);
}

TEST(ProcessCollector, ReadsThisProcess) {
  const auto families = ProcessCollector().Collect();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                           "process_start_time_seconds"}) {
    const auto* family = find_family(families, name);
    ASSERT_NE(family, nullptr) << name;
    ASSERT_EQ(family->metric.size(), 1u);
  }
  const auto value = [&](const char* name) {
    const auto* f = find_family(families, name);
    return f->type == prometheus::MetricType::Counter ? f->metric[0].counter.value
                                                      : f->metric[0].gauge.value;
  };
  EXPECT_GT(value("process_resident_memory_bytes"), 0);
  EXPECT_GE(value("process_virtual_memory_bytes"), value("process_resident_memory_bytes"));
  EXPECT_GE(value("process_open_fds"), 1);  // at least the /proc/self/fd listing itself
  EXPECT_GE(value("process_max_fds"), value("process_open_fds"));
  EXPECT_GT(value("process_start_time_seconds"), 1.5e9);  // after 2017
  EXPECT_GE(value("process_cpu_seconds_total"), 0);
}

// process_open_fds follows the real descriptor table: 300 more descriptors (more than one
// getdents64 buffer's worth of entries) are counted exactly, and gone again once closed.
TEST(ProcessCollector, CountsOpenDescriptorsExactly) {
  const auto open_fds = [] {
    const auto families = ProcessCollector().Collect();
    const auto* f = find_family(families, "process_open_fds");
    return f == nullptr ? -1.0 : f->metric.at(0).gauge.value;
  };
  const double before = open_fds();
  ASSERT_GE(before, 1);
  std::vector<int> fds;
  for (int i = 0; i < 300; ++i) {
    const int fd = ::dup(0 <= ::fcntl(2, F_GETFD) ? 2 : 0);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  EXPECT_EQ(open_fds(), before + 300);
  for (const int fd : fds) ::close(fd);
  EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace sm::metrics
