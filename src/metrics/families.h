// Building prometheus::MetricFamily values from MetricSpec data. Collectables build their
// families afresh at every scrape, so counters are plain values here (prometheus-cpp's
// Counter object cannot be set to a meter's absolute register).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include "metrics/metric_spec.h"

namespace sm::metrics {

using Labels = std::vector<prometheus::ClientMetric::Label>;

[[nodiscard]] prometheus::MetricFamily make_family(const MetricSpec& spec);

// Appends one sample; the value goes to the counter or gauge field by the family's type.
void add_sample(prometheus::MetricFamily& family, double value, Labels labels = {});

// A label value made safe from bytes that came off the wire (meter id, device name):
// Prometheus rejects the whole scrape when a label value is not valid UTF-8, so every byte
// that is not part of a well-formed UTF-8 sequence (RFC 3629), and every control
// character, becomes '?'.
[[nodiscard]] std::string label_value_from_wire(std::string_view bytes);

// A family with its one unlabelled (or labelled) sample.
[[nodiscard]] prometheus::MetricFamily single_sample(const MetricSpec& spec, double value,
                                                     Labels labels = {});

}  // namespace sm::metrics
