// Leaves (values that are not containers) as the decoder names and converts them, the
// predicates over them, and scalers: checked, applied, re-applied from a scaler-unit.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>

#include "common/result.h"
#include "cosem/obis.h"
#include "cosem/reading.h"
#include "cosem/scaling.h"
#include "cosem/shape.h"
#include "cosem/units.h"
#include "dlms/datetime.h"

namespace sm::cosem::detail {

// A value that is not a container, as the walk names and converts it: a view, so that the
// direct path can hand over integers and strings straight from the A-XDR bytes without
// building a Value, and the general path hands over its tree's nodes (leaf_of()). Mirrors
// what Value says about the same bytes.
struct Leaf {
  enum class Kind : std::uint8_t { none, boolean, signed_int, unsigned_int, real, bytes };
  Tag tag{Tag::null_data};
  Kind kind{Kind::none};
  bool flag{false};  // boolean
  std::size_t offset{0};
  std::int64_t signed_int{0};
  std::uint64_t unsigned_int{0};
  double real{0};
  std::span<const std::uint8_t> content;  // bytes (octet/visible/utf8/bit-string, date, time)

  [[nodiscard]] bool is_number() const noexcept {
    return kind == Kind::signed_int || kind == Kind::unsigned_int || kind == Kind::real;
  }
  [[nodiscard]] bool is_octets() const noexcept {
    return tag == Tag::octet_string || tag == Tag::visible_string || tag == Tag::utf8_string;
  }
  [[nodiscard]] const std::span<const std::uint8_t>* bytes() const noexcept {
    return kind == Kind::bytes ? &content : nullptr;
  }
  // As Value::as_int64 and Value::as_double.
  [[nodiscard]] bool as_int64(std::int64_t& out) const noexcept {
    if (kind == Kind::signed_int) {
      out = signed_int;
      return true;
    }
    if (kind == Kind::unsigned_int &&
        unsigned_int <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      out = static_cast<std::int64_t>(unsigned_int);
      return true;
    }
    return false;
  }
  [[nodiscard]] double as_double() const noexcept {
    switch (kind) {
      case Kind::signed_int:
        return static_cast<double>(signed_int);
      case Kind::unsigned_int:
        return static_cast<double>(unsigned_int);
      case Kind::real:
        return real;
      default:
        return 0.0;
    }
  }
};

Leaf leaf_of(const Value& value);

std::string type_name(const Leaf& leaf);

inline bool is_signed_integer_tag(Tag tag) {
  return tag == Tag::int8 || tag == Tag::int16 || tag == Tag::int32 || tag == Tag::int64;
}

inline bool is_numeric_value(const Leaf& value) {
  return value.is_number() || value.tag == Tag::boolean;
}

bool is_scaler_unit(const Value& value);

inline std::optional<Obis> obis_of(const Leaf& value) {
  const auto* data = value.bytes();
  if (value.tag != Tag::octet_string || data == nullptr || data->size() != 6) return std::nullopt;
  return Obis::from_bytes(*data);
}

std::optional<Obis> obis_of(const Value& value);

std::optional<dlms::DateTime> date_time_of(const Leaf& value);
std::optional<dlms::DateTime> date_time_of(const Value& value);

inline bool is_clock_obis(const Obis& code) {
  return code.v[0] == 0 && code.v[2] == 1 && code.v[3] == 0;
}

Result<int> checked_scaler(std::int64_t scaler, std::size_t offset);

// Fills a numeric register in place (it is built where the Reading keeps it). False when
// the value is not a finite number (numeric_error() says so).
inline bool fill_numeric(Register& reg, const Leaf& value, int scaler, int unit_code) noexcept {
  reg.scaler = scaler;
  reg.unit = unit_code;
  double unscaled = 0;
  std::int64_t raw = 0;
  if (value.kind == Leaf::Kind::boolean) {
    raw = value.flag ? 1 : 0;
    reg.raw = raw;
    unscaled = static_cast<double>(raw);
  } else if (value.as_int64(raw)) {
    reg.raw = raw;
    unscaled = static_cast<double>(raw);
  } else {
    unscaled = value.as_double();  // float32/float64, or uint64 above INT64_MAX
  }
  reg.value = apply_scaler(unscaled, scaler);
  return std::isfinite(unscaled);
}

[[gnu::cold]] tl::unexpected<Error> numeric_error(const Obis& code, const Leaf& value);

// Re-applies a scaler-unit to a register that was built with scaler 0.
Result<void> rescale(Register& reg, std::int64_t scaler, std::int64_t unit_code,
                     std::size_t offset);

// The two fields of a scaler-unit structure (is_scaler_unit() already checked its shape).
struct ScalerUnit {
  std::int64_t scaler{0};
  std::int64_t unit{kUnitNone};
  std::size_t scaler_offset{0};
};

ScalerUnit read_scaler_unit(const Value& pair);

}  // namespace sm::cosem::detail
