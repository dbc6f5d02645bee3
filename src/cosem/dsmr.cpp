// DSMR P1 telegrams (NEN-EN-IEC 62056-21 mode D text, DSMR 4.2 / 5.0.2 "P1 Companion
// Standard"; Luxembourg "Smarty" and Energienetze Steiermark send it inside GCM):
//
//   /XXX5Identification\r\n
//   \r\n
//   1-0:1.8.0(000006.695*kWh)\r\n      OBIS(value*unit)
//   0-0:1.0.0(180130102122W)\r\n       YYMMDDhhmmss + W (winter, CET) or S (summer, CEST)
//   ...
//   !CFDE\r\n                          CRC16/ARC over '/' .. '!' (DSMR 4+; absent in 2.2)
//
// Values become registers in DLMS terms: kWh -> Wh, kW -> W, kvarh -> varh with
// raw = the decimal digits and scaler = unit exponent - fraction digits, so that
// value = raw * 10^scaler (6.695 kWh -> raw 6695, scaler 0, 6695 Wh).
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii.h"
#include "common/crc16.h"
#include "common/hex.h"
#include "cosem/decode.h"
#include "cosem/units.h"
#include "cosem/value_text.h"
#include "dlms/datetime.h"

namespace sm::cosem {
namespace {

// Bounds: DSMR 5.0.2 allows a 1024-character text message (2048 hex digits) on one line;
// a full telegram is a few kB.
constexpr std::size_t kMaxTelegramBytes = std::size_t{32} * 1024;
constexpr std::size_t kMaxLines = 1024;
constexpr std::size_t kMaxLineBytes = 4096;
// The Belgian 13-month peak history (0-0:98.1.0) has 3 + 13 x 3 = 42 groups, a power failure
// log (1-0:99.97.0) 2 + 10 x 2.
constexpr std::size_t kMaxGroupsPerLine = 64;
constexpr std::size_t kMaxDigits = 18;       // significant digits: fits an int64
constexpr std::size_t kMaxNumberChars = 24;  // bounds the fraction digits, hence the scaler
constexpr std::size_t kHeaderProbeBytes = 256;

constexpr Obis kClock = obis(0, 0, 1, 0, 0);
constexpr Obis kDeviceName = obis(0, 0, 42, 0, 0);
// Meter id: DSMR uses 0-0:96.1.1 ("equipment identifier"), Luxembourg/Austria 0-0:96.1.0.
constexpr std::array kMeterIdCodes{obis(0, 0, 96, 1, 0), obis(0, 0, 96, 1, 1)};

// Unit spelled in the telegram -> DLMS unit and the decimal exponent to the base unit.
struct TextUnit {
  std::string_view spelling;  // compared case-insensitively ("kvarh", "kVArh")
  int unit;
  int exponent;
};
constexpr std::array kTextUnits{
    TextUnit{"kWh", unit::watt_hour, 3},
    TextUnit{"Wh", unit::watt_hour, 0},
    TextUnit{"kW", unit::watt, 3},
    TextUnit{"W", unit::watt, 0},
    TextUnit{"kvarh", unit::var_hour, 3},
    TextUnit{"varh", unit::var_hour, 0},
    TextUnit{"kvar", unit::var, 3},
    TextUnit{"var", unit::var, 0},
    TextUnit{"kVAh", unit::volt_ampere_hour, 3},
    TextUnit{"VAh", unit::volt_ampere_hour, 0},
    TextUnit{"kVA", unit::volt_ampere, 3},
    TextUnit{"VA", unit::volt_ampere, 0},
    TextUnit{"V", unit::volt, 0},
    TextUnit{"A", unit::ampere, 0},
    TextUnit{"Hz", unit::hertz, 0},
    TextUnit{"s", unit::second, 0},
    TextUnit{"m3", unit::cubic_metre, 0},
    TextUnit{"GJ", unit::joule, 9},
};

[[gnu::cold]] tl::unexpected<Error> dsmr_error(ErrorCode code, std::size_t offset,
                                               std::string message) {
  return fail(code, Layer::cosem, offset, "DSMR: " + std::move(message));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

double power_of_ten(int exponent) {
  double result = 1.0;
  for (int i = 0; i < (exponent < 0 ? -exponent : exponent); ++i) result *= 10.0;
  return result;
}

// "000006.695" -> raw 6695, 3 fraction digits. Optional leading '-'.
struct DecimalNumber {
  std::int64_t raw{0};
  int fraction_digits{0};
};

std::optional<DecimalNumber> parse_decimal(std::string_view text) {
  if (text.size() > kMaxNumberChars) return std::nullopt;
  DecimalNumber number;
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  bool seen_point = false;
  std::size_t digits = 0;
  for (char c : text) {
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (!is_digit(c)) return std::nullopt;
    if ((number.raw != 0 || c != '0') && ++digits > kMaxDigits) return std::nullopt;
    number.raw = number.raw * 10 + (c - '0');
    if (seen_point) ++number.fraction_digits;
  }
  const bool has_digit = text.size() > (seen_point ? 1u : 0u);
  if (!has_digit || text.back() == '.') return std::nullopt;
  if (negative) number.raw = -number.raw;
  return number;
}

// "180130102122W" -> date-time with deviation (W: UTC = local - 1 h, S: local - 2 h).
// DSMR 2.2's gas line writes "161107190000" without the season letter (Season::optional):
// local time, deviation unknown. Nowhere else: twelve digits are an id as often as a time.
enum class Season : std::uint8_t { required, optional };
std::optional<dlms::DateTime> parse_timestamp(std::string_view text,
                                              Season season = Season::required) {
  const bool local_only = season == Season::optional && text.size() == 12;
  if (!local_only && (text.size() != 13 || (text[12] != 'W' && text[12] != 'S')))
    return std::nullopt;
  std::array<int, 6> fields{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const char high = text[2 * i];
    const char low = text[2 * i + 1];
    if (!is_digit(high) || !is_digit(low)) return std::nullopt;
    fields[i] = (high - '0') * 10 + (low - '0');
  }
  const auto [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  dlms::DateTime time;
  time.year = 2000 + year;
  time.month = month;
  time.day = day;
  time.hour = hour;
  time.minute = minute;
  time.second = second;
  time.hundredths = 0;
  if (local_only) return time;
  const bool summer = text[12] == 'S';
  time.deviation_minutes = summer ? -120 : -60;  // UTC - local (Central European Time)
  time.clock_status = summer ? 0x80 : 0x00;
  return time;
}

// Values of these codes are text, even when they consist of digits only.
bool is_text_code(const Obis& code) {
  const bool identifiers = code.v[2] == 96 && (code.v[3] == 1 || code.v[3] == 13);  // ids, messages
  const bool device_name = code.v[2] == 42 && code.v[3] == 0;
  return identifiers || device_name;
}

struct Line {
  std::string_view text;
  std::size_t offset;  // of the line's first byte in the telegram
  std::size_t number;  // 1-based
};

// DSMR 2.2 gas: 0-n:24.3.0(time)(status)(period)(count)(0-n:24.2.1)(unit), the value alone on
// the next line "(00001.001)".
constexpr std::uint8_t kLegacyGasC = 24, kLegacyGasD = 3;
constexpr std::size_t kLegacyGasGroups = 6;

class TelegramParser {
 public:
  Result<void> parse_line(const Line& line) {
    if (pending_) return take_pending_value(line);
    const std::size_t open = line.text.find('(');
    if (open == std::string_view::npos) return {};  // not an OBIS line: ignored
    auto code = Obis::parse(line.text.substr(0, open));
    if (!code) return {};  // garbage before '(': ignored
    std::size_t count = 0;
    std::size_t pos = open;
    while (pos < line.text.size()) {
      if (line.text[pos] != '(' || count == kMaxGroupsPerLine) {
        return line_error(line, pos, "expected '(' (or too many value groups)");
      }
      const std::size_t close = line.text.find(')', pos);
      if (close == std::string_view::npos) return line_error(line, pos, "unbalanced '('");
      groups_[count++] = line.text.substr(pos + 1, close - pos - 1);
      pos = close + 1;
    }
    // One group is the value; two where the first is a timestamp (M-Bus channel values,
    // 0-n:24.2.1(capture time)(value*m3), the Belgian peak 1-0:1.6.0).
    if (count == 1) return add_value(*code, groups_[0], line);
    if (count == 2) {
      if (auto time = parse_timestamp(groups_[0])) {
        if (auto added = add_value(*code, groups_[1], line); !added) return added;
        add_time(*code, *time);
        return {};
      }
    }
    if (count == kLegacyGasGroups && code->v[2] == kLegacyGasC && code->v[3] == kLegacyGasD) {
      pending_ = Pending{*code, groups_[kLegacyGasGroups - 1],
                         parse_timestamp(groups_[0], Season::optional)};
      return {};
    }
    // Logs and histories (power failures 1-0:99.97.0, the Belgian monthly peaks 0-0:98.1.0):
    // kept as text, not values.
    Register reg(*code);
    reg.text = std::string(line.text.substr(open));
    reading_.registers.push_back(std::move(reg));
    return {};
  }

  // The telegram ended: a DSMR 2.2 gas line still waiting for its value is an error.
  Result<void> finish(std::size_t end) const {
    if (!pending_) return {};
    return dsmr_error(ErrorCode::decode, end,
                      pending_->code.to_string() + ": the value line after it is missing");
  }

  Reading take_reading() { return std::move(reading_); }

 private:
  struct Pending {
    Obis code;
    std::string_view unit;
    std::optional<dlms::DateTime> time;
  };

  // The line after a DSMR 2.2 gas line: "(value)", in the unit the gas line named.
  Result<void> take_pending_value(const Line& line) {
    const Pending pending = *pending_;
    pending_.reset();
    const std::string_view text = line.text;
    if (text.size() < 2 || text.front() != '(' || text.back() != ')' ||
        text.find_first_of("()", 1) != text.size() - 1) {
      return line_error(line, 0,
                        "expected the value of " + pending.code.to_string() + " as (value)");
    }
    const std::string_view digits = text.substr(1, text.size() - 2);
    if (digits.find('*') != std::string_view::npos || pending.unit.size() > kMaxNumberChars)
      return line_error(line, 0, "unexpected unit in the value line");
    if (auto added = add_number(pending.code, digits, pending.unit, line); !added) return added;
    if (pending.time) add_time(pending.code, *pending.time);
    return {};
  }

  // The time the meter gave with a value (an absolute time, or a local one with a date).
  void add_time(const Obis& code, const dlms::DateTime& time) {
    if (auto at = MeterTime::of(time)) reading_.register_times.push_back({code, *at});
  }

  Result<void> add_value(const Obis& code, std::string_view value, const Line& line) {
    if (auto time = parse_timestamp(value)) {
      auto iso = time->iso8601();
      Register reg;
      reg.obis = code;
      reg.text = iso ? *iso : std::string(value);
      reading_.registers.push_back(std::move(reg));
      if (code == kClock && iso) reading_.meter_time = MeterTime::of(*time);
      return {};
    }
    const std::size_t star = value.find('*');
    if (star == std::string_view::npos && (is_text_code(code) || !parse_decimal(value))) {
      Register reg;
      reg.obis = code;
      reg.text = std::string(value);
      reading_.registers.push_back(std::move(reg));
      return {};
    }
    if (star == std::string_view::npos) return add_number(code, value, std::nullopt, line);
    return add_number(code, value.substr(0, star), value.substr(star + 1), line);
  }

  // "000006.695" and the unit as spelled ("kWh"; none: unit-less) -> a numeric register.
  Result<void> add_number(const Obis& code, std::string_view digits,
                          std::optional<std::string_view> spelling, const Line& line) {
    auto number = parse_decimal(digits);
    if (!number)
      return line_error(line, 0, "'" + std::string(digits) + "' is not a decimal number");
    int unit_code = kUnitNone;
    int exponent = 0;
    if (spelling) {
      unit_code = unit_from_symbol(*spelling);
      for (const auto& text_unit : kTextUnits) {
        if (equals_ignoring_ascii_case(text_unit.spelling, *spelling)) {
          unit_code = text_unit.unit;
          exponent = text_unit.exponent;
          break;
        }
      }
    }
    Register reg;
    reg.obis = code;
    reg.raw = number->raw;
    reg.scaler = exponent - number->fraction_digits;
    reg.unit = unit_code;
    const double magnitude = power_of_ten(reg.scaler);
    const auto raw = static_cast<double>(number->raw);
    reg.value = reg.scaler >= 0 ? raw * magnitude : raw / magnitude;
    reading_.registers.push_back(std::move(reg));
    return {};
  }

  tl::unexpected<Error> line_error(const Line& line, std::size_t column,
                                   std::string message) const {
    return dsmr_error(ErrorCode::decode, line.offset + column,
                      "line " + std::to_string(line.number) + ": " + std::move(message));
  }

  Reading reading_;
  std::array<std::string_view, kMaxGroupsPerLine> groups_{};  // of the current line
  std::optional<Pending> pending_;
};

// Checks the text after '!': nothing (DSMR 2.2), or 4 hex digits matching the CRC; then
// only line ends or NUL padding.
Result<void> check_crc(std::string_view telegram, std::size_t bang) {
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(telegram.data()),
                                            telegram.size());
  std::string_view tail = telegram.substr(bang + 1);
  const LeadingHex crc = leading_hex(bytes.subspan(bang + 1), kDsmrCrcDigits);
  const std::size_t digits = crc.digits;
  for (std::size_t i = digits; i < tail.size(); ++i) {
    const char c = tail[i];
    if (c != '\r' && c != '\n' && c != '\0' && c != ' ') {
      return dsmr_error(ErrorCode::decode, bang + 1 + i, "unexpected bytes after the end line '!'");
    }
  }
  if (digits == 0) return {};
  // Some devices drop the CRC's leading zero (3 digits).
  if (digits < kDsmrCrcMinDigits) {
    return dsmr_error(ErrorCode::decode, bang + 1, "CRC after '!' must have 4 hex digits");
  }
  const std::uint16_t computed = crc16_arc(bytes.first(bang + 1));
  if (crc.value != computed) {
    return dsmr_error(
        ErrorCode::checksum, bang + 1,
        "CRC mismatch: telegram says " + hex_u16(crc.value) + ", computed " + hex_u16(computed));
  }
  return {};
}

void fill_identity(Reading& reading) {
  auto decoded_text = [&reading](const Obis& code) -> std::optional<Text> {
    const Register* reg = reading.find(code);
    if (reg == nullptr || !reg->text || reg->text->empty()) return std::nullopt;
    if (auto ascii = decode_hex_ascii(*reg->text)) return Text(*ascii);
    return reg->text;
  };
  for (const Obis& code : kMeterIdCodes) {
    if (auto id = decoded_text(code)) {
      reading.meter_id = std::move(id);
      break;
    }
  }
  reading.device_name = decoded_text(kDeviceName);
}

}  // namespace

bool looks_like_dsmr(std::span<const std::uint8_t> plaintext) noexcept {
  // "/XXX5": '/', a three-letter manufacturer flag, the baud-rate character.
  if (plaintext.size() < 6 || plaintext[0] != '/') return false;
  for (std::size_t i = 1; i <= 3; ++i) {
    if (std::isalpha(plaintext[i]) == 0) return false;
  }
  if (std::isalnum(plaintext[4]) == 0) return false;
  bool line_end = false;
  const std::size_t probe =
      plaintext.size() < kHeaderProbeBytes ? plaintext.size() : kHeaderProbeBytes;
  for (std::size_t i = 0; i < probe; ++i) {
    const std::uint8_t b = plaintext[i];
    if (b == '\n') line_end = true;
    const bool text_byte = (b >= 0x20 && b <= 0x7E) || b == '\r' || b == '\n' || b == '\t';
    if (!text_byte) return false;
  }
  return line_end;
}

Result<Reading> decode_dsmr(std::string_view telegram) {
  if (telegram.size() > kMaxTelegramBytes) {
    return dsmr_error(ErrorCode::length, kMaxTelegramBytes,
                      "telegram of " + std::to_string(telegram.size()) + " bytes exceeds " +
                          std::to_string(kMaxTelegramBytes));
  }
  if (telegram.empty() || telegram.front() != '/') {
    return dsmr_error(ErrorCode::decode, 0, "telegram does not start with '/'");
  }
  const std::size_t bang = telegram.find('!');
  if (bang == std::string_view::npos) {
    return dsmr_error(ErrorCode::incomplete, telegram.size(), "no end line '!'");
  }
  if (auto crc = check_crc(telegram, bang); !crc) return tl::unexpected(crc.error());

  TelegramParser parser;
  std::size_t line_start = 0;
  std::size_t line_number = 0;
  while (line_start < bang) {
    std::size_t line_end = telegram.find('\n', line_start);
    if (line_end == std::string_view::npos || line_end > bang) line_end = bang;
    std::string_view text = telegram.substr(line_start, line_end - line_start);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    ++line_number;
    if (line_number > kMaxLines) {
      return dsmr_error(ErrorCode::length, line_start,
                        "more than " + std::to_string(kMaxLines) + " lines");
    }
    if (text.size() > kMaxLineBytes) {
      return dsmr_error(ErrorCode::length, line_start,
                        "line " + std::to_string(line_number) + " longer than " +
                            std::to_string(kMaxLineBytes) + " bytes");
    }
    if (line_number > 1) {  // line 1 is the identification "/XXX5..."
      if (auto done = parser.parse_line(Line{text, line_start, line_number}); !done) {
        return tl::unexpected(done.error());
      }
    }
    line_start = line_end + 1;
  }

  if (auto done = parser.finish(bang); !done) return tl::unexpected(done.error());
  Reading reading = parser.take_reading();
  if (reading.registers.empty()) return dsmr_error(ErrorCode::decode, 0, "no OBIS lines");
  reading.profile = "dsmr";
  reading.protocol = "dsmr";
  reading.text = std::string(telegram);
  fill_identity(reading);
  return reading;
}

}  // namespace sm::cosem
