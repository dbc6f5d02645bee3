// append_text_format writes what prometheus-cpp's TextSerializer writes (it replaces it on
// the scrape path for speed), except that HELP text is escaped as the format asks.
#include "metrics/text_format.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "metrics/collector.h"
#include "metrics/meter_state.h"
#include "metrics_test_util.h"

namespace sm::metrics {
namespace {

using namespace test_support;
using cosem::obis;

std::string ours(const std::vector<prometheus::MetricFamily>& families) {
  std::string text;
  append_text_format(text, families);
  return text;
}

prometheus::MetricFamily family(std::string name, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = "Help text.";
  f.type = type;
  return f;
}

prometheus::ClientMetric sample(double value,
                                std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric m;
  m.gauge.value = value;
  m.counter.value = value;
  m.untyped.value = value;
  m.label = std::move(labels);
  return m;
}

TEST(TextFormat, NumbersAsPrometheusCpp) {
  const double values[] = {0.0,
                           -0.0,
                           0.1,
                           227.1,
                           0.1 + 0.2,
                           1.0 / 3,
                           42,
                           -17.25,
                           1e15,
                           -1e15,
                           9007199254740991.0,
                           9999999999999998.0,
                           -9999999999999998.0,
                           1e16,
                           -1e16,
                           1e16 + 2,
                           1e21,
                           1e-7,
                           123456789012345678.0,
                           1700000000.123,
                           9108000.0 * 3600,
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest(),
                           std::nan(""),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  for (const auto type : {prometheus::MetricType::Gauge, prometheus::MetricType::Counter,
                          prometheus::MetricType::Untyped}) {
    auto f = family("smartmeter_test", type);
    for (const double v : values) f.metric.push_back(sample(v));
    EXPECT_EQ(ours({f}), to_text({f}));
  }
}

TEST(TextFormat, LabelsEscapedAsPrometheusCpp) {
  auto f = family("smartmeter_obis_value", prometheus::MetricType::Gauge);
  f.metric.push_back(sample(1, {{"obis", "1.0.32.7.0.255"}, {"unit", "V"}}));
  f.metric.push_back(sample(2, {{"meter_id", "a\\b\"c\nd"}, {"empty", ""}}));
  f.metric.push_back(sample(3, {{"utf8", "Zähler – µ"}}));
  EXPECT_EQ(ours({f}), to_text({f}));
  EXPECT_NE(ours({f}).find(R"(meter_id="a\\b\"c\nd")"), std::string::npos);
}

TEST(TextFormat, TimestampsAndEmptyFamiliesAsPrometheusCpp) {
  auto with_time = family("smartmeter_a", prometheus::MetricType::Gauge);
  auto m = sample(5);
  m.timestamp_ms = 1626702397250;
  with_time.metric.push_back(m);
  with_time.metric.push_back(sample(6));
  auto empty = family("smartmeter_b", prometheus::MetricType::Counter);
  auto no_help = family("smartmeter_c", prometheus::MetricType::Gauge);
  no_help.help.clear();
  no_help.metric.push_back(sample(7));
  EXPECT_EQ(ours({with_time, empty, no_help}), to_text({with_time, empty, no_help}));
}

TEST(TextFormat, SummaryAndHistogramAsPrometheusCpp) {
  auto summary = family("x_summary", prometheus::MetricType::Summary);
  prometheus::ClientMetric s;
  s.summary.sample_count = 3;
  s.summary.sample_sum = 1.5;
  s.summary.quantile = {{0.5, 0.25}, {0.99, 1.0}};
  summary.metric.push_back(s);
  auto histogram = family("x_histogram", prometheus::MetricType::Histogram);
  prometheus::ClientMetric h;
  h.histogram.sample_count = 4;
  h.histogram.sample_sum = 2.5;
  h.histogram.bucket = {{1, 0.5}, {4, 1.0}};
  histogram.metric.push_back(h);
  const auto gauge = family("x_gauge", prometheus::MetricType::Gauge);
  EXPECT_EQ(ours({gauge, summary, histogram}), to_text({gauge, summary, histogram}));
}

// The whole exporter's families: a frame with values, the same frame stale, before any
// frame, and the process collector.
TEST(TextFormat, ExporterFamiliesAsPrometheusCpp) {
  auto reading = std::make_shared<cosem::Reading>();
  reading->meter_time = meter_clock(2021, 7, 19, 15, 46, 35, -120);
  reading->meter_id = "1KFM0100000035";
  reading->registers = {
      numeric(obis(1, 0, 32, 7, 0), 2308, -1, kV), numeric(obis(1, 0, 31, 7, 0), 123, -2, kA),
      numeric(obis(1, 0, 1, 7, 0), 1234, 0, kW),   numeric(obis(1, 0, 1, 8, 0), 9108, 0, kWh),
      numeric(obis(1, 0, 3, 8, 0), 96, 0, kVarh),  numeric(obis(1, 0, 99, 99, 0), 7, -3, kHz)};
  Snapshot snapshot;
  snapshot.last = GoodFrame{reading, {}, "mbus", host_at_unix_ms(1626702397250)};
  snapshot.frames_total = 42;
  snapshot.received_bytes = 12345;
  CollectorOptions options;
  options.build = {"0.1.0", "0123456789ab", "GCC 12.2.0", "2.19.3"};
  const auto fresh = meter_families(snapshot, options, host_at_unix_ms(1626702397250 + 1000));
  const auto stale = meter_families(snapshot, options, host_at_unix_ms(1626702397250 + 3600'000));
  ASSERT_GT(fresh.size(), stale.size());  // the value series are there, then left out
  EXPECT_EQ(ours(fresh), to_text(fresh));
  EXPECT_EQ(ours(stale), to_text(stale));
  const auto before_first = meter_families(Snapshot{}, options, host_at_unix_ms(0));
  EXPECT_EQ(ours(before_first), to_text(before_first));
  const auto process = ProcessCollector().Collect();
  ASSERT_FALSE(process.empty());
  EXPECT_EQ(ours(process), to_text(process));
}

// The one difference: prometheus-cpp 1.0.1 writes HELP raw, the format escapes \ and LF.
TEST(TextFormat, HelpIsEscaped) {
  auto f = family("smartmeter_x", prometheus::MetricType::Gauge);
  f.help = "back\\slash\nnew line";
  EXPECT_EQ(ours({f}), "# HELP smartmeter_x back\\\\slash\\nnew line\n# TYPE smartmeter_x gauge\n");
}

TEST(TextFormat, AppendsToWhatIsThere) {
  auto f = family("smartmeter_x", prometheus::MetricType::Gauge);
  f.metric.push_back(sample(1));
  std::string text = "prefix\n";
  append_text_format(text, {f});
  EXPECT_EQ(text, "prefix\n" + to_text({f}));
}

}  // namespace
}  // namespace sm::metrics
