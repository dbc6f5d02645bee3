// The text exposition format 0.0.4 of prometheus-cpp's MetricFamily model.
//
// Writes the bytes prometheus::TextSerializer (prometheus-cpp 1.0.1) writes for the same
// families — numbers as printf's %.16g, "Nan", "+Inf", "-Inf", label values with \\, \" and
// \n escaped, the timestamp when set — except that HELP text is escaped as the format asks
// (\\ and \n; prometheus-cpp writes it raw). It exists for speed: TextSerializer formats
// every number through std::ostream and took 60 % of a scrape's CPU; this appends to one
// std::string with std::to_chars. tests/unit/metrics/text_format_test.cpp holds the two to
// the same output. Summary and histogram families (the exporter has none) are handed to
// prometheus::TextSerializer.
#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace sm::metrics {

void append_text_format(std::string& out, const std::vector<prometheus::MetricFamily>& families);

}  // namespace sm::metrics
