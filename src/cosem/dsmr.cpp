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
constexpr std::size_t kMaxGroupsPerLine = 16;
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
    TextUnit{"GJ", 25 /* J */, 9},
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
std::optional<dlms::DateTime> parse_timestamp(std::string_view text) {
  if (text.size() != 13 || (text[12] != 'W' && text[12] != 'S')) return std::nullopt;
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
  const bool summer = text[12] == 'S';
  dlms::DateTime time;
  time.year = 2000 + year;
  time.month = month;
  time.day = day;
  time.hour = hour;
  time.minute = minute;
  time.second = second;
  time.hundredths = 0;
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

class TelegramParser {
 public:
  Result<void> parse_line(const Line& line) {
    const std::size_t open = line.text.find('(');
    if (open == std::string_view::npos) return {};  // not an OBIS line: ignored
    auto code = Obis::parse(line.text.substr(0, open));
    if (!code) return {};  // garbage before '(': ignored
    std::vector<std::string_view> groups;
    std::size_t pos = open;
    while (pos < line.text.size()) {
      if (line.text[pos] != '(' || groups.size() == kMaxGroupsPerLine) {
        return line_error(line, pos, "expected '(' (or too many value groups)");
      }
      const std::size_t close = line.text.find(')', pos);
      if (close == std::string_view::npos) return line_error(line, pos, "unbalanced '('");
      groups.push_back(line.text.substr(pos + 1, close - pos - 1));
      pos = close + 1;
    }
    // One group is the value; two where the first is a timestamp (M-Bus channel values,
    // 0-n:24.2.1(capture time)(value*m3)); longer lines are logs (1-0:99.97.0) and skipped.
    std::string_view value;
    if (groups.size() == 1) {
      value = groups[0];
    } else if (groups.size() == 2 && parse_timestamp(groups[0])) {
      value = groups[1];
    } else {
      return {};
    }
    return add_value(*code, value, line);
  }

  Reading take_reading() { return std::move(reading_); }

 private:
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
    const std::string_view digits = value.substr(0, star);
    auto number = parse_decimal(digits);
    if (!number)
      return line_error(line, 0, "'" + std::string(digits) + "' is not a decimal number");
    int unit_code = kUnitNone;
    int exponent = 0;
    if (star != std::string_view::npos) {
      const std::string_view spelling = value.substr(star + 1);
      unit_code = unit_from_symbol(spelling);
      for (const auto& text_unit : kTextUnits) {
        if (equals_ignoring_ascii_case(text_unit.spelling, spelling)) {
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

  Reading reading = parser.take_reading();
  if (reading.registers.empty()) return dsmr_error(ErrorCode::decode, 0, "no OBIS lines");
  reading.profile = "dsmr";
  reading.text = std::string(telegram);
  fill_identity(reading);
  return reading;
}

}  // namespace sm::cosem
