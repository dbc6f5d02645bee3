// The Reading under construction: adding named values, and finishing it.
#include "cosem/builder.h"

#include "cosem/value_text.h"

namespace sm::cosem::detail {

Result<bool> add_named_register(const Obis& code, const Leaf& value, Builder& out,
                                bool is_clock_object) {
  if (value.tag == Tag::null_data) return false;
  if (is_numeric_value(value)) {
    if (!out.add_numeric(code, value, 0, kUnitNone)) return numeric_error(code, value);
    return true;
  }
  if (const auto* data = value.bytes()) {
    const bool clock = is_clock_object || is_clock_obis(code);
    if (clock || value.tag == Tag::date_time) {
      if (auto time = out.time_of(value)) {
        out.add_clock(code, *time, *data, clock);
        return true;
      }
    }
    out.add_text(code, bytes_text(*data));
    return true;
  }
  return cosem_error(ErrorCode::unsupported, value.offset,
                     "value of " + code.to_string() + " has unsupported type " + type_name(value));
}

void mark_as_sent(Builder& out) {
  for (std::size_t i = 0; i < out.reading.registers.size(); ++i) {
    Register& reg = out.reading.registers[i];
    if (reg.numeric() && out.scaler_from_frame[i] == 0) reg.scaling = Scaling::as_sent;
  }
}

void finish(Builder& out) {
  Reading& reading = out.reading;
  for (std::size_t k = 0; k < kMeterIdCodes.size(); ++k) {
    const Register* reg = out.identity(k);
    if (reg != nullptr && reg->text && !reg->text->empty()) {
      reading.meter_id = reg->text;
      break;
    }
  }
  if (const Register* reg = out.identity(kDeviceNameIdentity); reg != nullptr && reg->text) {
    reading.device_name = reg->text;
  }
  if (out.header_time) reading.meter_time = MeterTime::of(*out.header_time);
  if (!reading.meter_time && out.body_clock) {
    reading.meter_time = MeterTime::of(*out.body_clock);
  }
}

}  // namespace sm::cosem::detail
