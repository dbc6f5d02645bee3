// Minimal streaming JSON writer (objects, arrays, strings, numbers, booleans, null).
// Used for `decode --format json`, JSON logs and the status API. Strings are escaped
// per RFC 8259; doubles are written in the shortest form that round-trips.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);  // NaN/inf -> null
  JsonWriter& value(std::int64_t i);
  JsonWriter& value(std::uint64_t u);
  JsonWriter& value(int i) { return value(static_cast<std::int64_t>(i)); }
  JsonWriter& value(unsigned u) { return value(static_cast<std::uint64_t>(u)); }
  JsonWriter& value(bool b);
  JsonWriter& null();

  [[nodiscard]] const std::string& str() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

  static void escape_into(std::string& out, std::string_view s);
  static std::string format_double(double d);

 private:
  void separator();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace sm
