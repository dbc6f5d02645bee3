// Reading: the hand-off between decoding and exporting. One Reading = one decoded
// data-notification (or DSMR telegram), never mixed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.h"
#include "cosem/obis.h"
#include "dlms/datetime.h"

namespace sm::cosem {

// The meter's clock as the frame gave it. Kept as the date-time itself: the text is
// made only when something shows it (the exporter needs just unix_seconds).
struct MeterTime {
  dlms::DateTime time;                       // has a date (of() checks)
  std::optional<std::int64_t> unix_seconds;  // when the frame allows an absolute time

  // nullopt when `time` has no date.
  [[nodiscard]] static std::optional<MeterTime> of(const dlms::DateTime& time);
  // "2021-07-19T15:46:35+02:00", or local time without an offset when the deviation is
  // not known.
  [[nodiscard]] std::string iso8601() const;
};

// Where a numeric register's scaler and unit came from.
enum class Scaling : std::uint8_t {
  given,    // stated by the frame (scaler-unit structure), a positional layout or DSMR text
  as_sent,  // nothing stated them: the number as sent, scaler 0, no unit
  implied,  // an implied-unit table (profiles.cpp) for this meter's list gave them
};

struct Register {
  Register() = default;
  // The decoder adds each register from its code (no value-initialisation that would
  // zero-fill it before its members are set).
  explicit Register(const Obis& code) noexcept : obis(code) {}
  // A numeric register of an integer as sent, complete (built in one go where the
  // Reading keeps it): `scaled` = raw * 10^scaler.
  Register(const Obis& code, std::int64_t raw_value, double scaled, int scaler_exponent,
           int unit_code) noexcept
      : obis(code), value(scaled), raw(raw_value), scaler(scaler_exponent), unit(unit_code) {}

  Obis obis;
  double value{0};                  // raw * 10^scaler (numeric registers)
  std::optional<std::int64_t> raw;  // the integer as sent, when it was an integer
  int scaler{0};
  int unit{255};  // DLMS unit code; 255 = none
  Scaling scaling{Scaling::given};
  std::optional<Text> text;  // for string-valued registers (ids, list ids, times)
  [[nodiscard]] bool numeric() const noexcept { return !text.has_value(); }
};

struct RegisterTime {
  Obis obis;
  MeterTime time;
};

struct Reading {
  std::optional<MeterTime> meter_time;
  std::optional<Text> meter_id;     // 0.0.96.1.0.255 or profile position
  std::optional<Text> device_name;  // 0.0.42.0.0.255 (logical device name)
  std::optional<Text> list_id;      // OBIS list version ("KFM_001", "Kamstrup_V0001", ...)
  std::string profile;              // "obis-tagged", "wiener-netze-am550", "dsmr", ...
  // The protocol the values came in: "dlms" (A-XDR), "dsmr" (P1 text, also inside GCM).
  std::string_view protocol = "dlms";
  // The implied-unit table whose scalers and units some registers carry (Scaling::implied):
  // its name and source, static text from profiles.cpp; empty when none applied.
  std::string_view implied_units;
  std::vector<Register> registers;
  // Registers that carry their own time (DSMR's sub-meter readings, the Belgian monthly peak):
  // the time the meter gave with the value, never the time the frame arrived. Kept apart
  // from Register, which every DLMS frame builds by the dozen, and keyed by code.
  std::vector<RegisterTime> register_times;
  std::optional<std::string> text;  // DSMR telegram when the plaintext was text

  // The first register with this code, or null.
  [[nodiscard]] const Register* find(const Obis& code) const noexcept;
  // The time the meter gave with this code's value, or null.
  [[nodiscard]] const MeterTime* time_of(const Obis& code) const noexcept;
};

}  // namespace sm::cosem
