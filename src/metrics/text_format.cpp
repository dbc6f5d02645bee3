#include "metrics/text_format.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>

#include <prometheus/text_serializer.h>

namespace sm::metrics {
namespace {

template <class Int>
void append_integer(std::string& out, Int value) {
  std::array<char, 24> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec == std::errc()) out.append(buffer.data(), end);
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "Nan";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Inf" : "+Inf";
    return;
  }
  // Whole numbers below 10^16 (counters, bytes, timestamps, most readings) print as
  // integers under %.16g too; the integer conversion is several times cheaper.
  if (value == std::trunc(value) && std::fabs(value) < 1e16 &&
      !(value == 0 && std::signbit(value))) {
    append_integer(out, static_cast<std::int64_t>(value));
    return;
  }
  // 16 significant digits, as prometheus-cpp's stream (precision max_digits10 - 1, %g).
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                       std::chars_format::general, 16);
  if (ec == std::errc()) out.append(buffer.data(), end);
}

// Appends `text` with each character of `special` written as `escape(c)`; the runs in
// between go in one append.
template <class Escape>
void append_escaped(std::string& out, std::string_view text, std::string_view special,
                    Escape escape) {
  for (std::size_t start = 0;;) {
    const std::size_t at = text.find_first_of(special, start);
    out.append(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return;
    out += escape(text[at]);
    start = at + 1;
  }
}

std::string_view escaped(char c) {
  switch (c) {
    case '\\':
      return "\\\\";
    case '"':
      return "\\\"";
    default:
      return "\\n";
  }
}

// Label values: backslash, double quote and line feed escaped.
void append_label_value(std::string& out, std::string_view value) {
  append_escaped(out, value, "\\\"\n", escaped);
}

// HELP: backslash and line feed escaped.
void append_help(std::string& out, std::string_view help) {
  append_escaped(out, help, "\\\n", escaped);
}

double sample_value(const prometheus::MetricFamily& family, const prometheus::ClientMetric& m) {
  switch (family.type) {
    case prometheus::MetricType::Counter:
      return m.counter.value;
    case prometheus::MetricType::Gauge:
      return m.gauge.value;
    default:
      return m.untyped.value;
  }
}

std::string_view type_name(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    default:
      return "untyped";
  }
}

bool simple(prometheus::MetricType type) {
  return type != prometheus::MetricType::Summary && type != prometheus::MetricType::Histogram;
}

}  // namespace

void append_text_format(std::string& out, const std::vector<prometheus::MetricFamily>& families) {
  for (const auto& family : families) {
    if (!simple(family.type)) {
      out += prometheus::TextSerializer().Serialize({family});
      continue;
    }
    if (!family.help.empty()) {
      out += "# HELP ";
      out += family.name;
      out += ' ';
      append_help(out, family.help);
      out += '\n';
    }
    out += "# TYPE ";
    out += family.name;
    out += ' ';
    out += type_name(family.type);
    out += '\n';
    for (const auto& metric : family.metric) {
      out += family.name;
      if (!metric.label.empty()) {
        out += '{';
        const char* separator = "";
        for (const auto& label : metric.label) {
          out += separator;
          out += label.name;
          out += "=\"";
          append_label_value(out, label.value);
          out += '"';
          separator = ",";
        }
        out += '}';
      }
      out += ' ';
      append_number(out, sample_value(family, metric));
      if (metric.timestamp_ms != 0) {
        out += ' ';
        append_integer(out, metric.timestamp_ms);
      }
      out += '\n';
    }
  }
}

}  // namespace sm::metrics
