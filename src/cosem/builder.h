// The Reading under construction: its registers, their flags, the identity codes and the
// clock, as every way of naming values adds to it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "common/hex.h"
#include "cosem/leaf.h"
#include "dlms/datetime.h"

namespace sm::cosem::detail {

inline constexpr Obis kClock = obis(0, 0, 1, 0, 0);
inline constexpr Obis kMeterSerial = obis(0, 0, 96, 1, 0);
inline constexpr Obis kDeviceName = obis(0, 0, 42, 0, 0);
// "OBIS list version identifier" (NEK 399 HAN lists; Aidon tags it, Kamstrup does not).
inline constexpr Obis kListVersion = obis(1, 1, 0, 2, 129);

// Codes whose text value is the meter id, best first.
inline constexpr std::array kMeterIdCodes{
    kMeterSerial,         // COSEM "device ID 1", manufacturing number
    obis(1, 1, 0, 0, 5),  // Kamstrup HAN: meter number (GS1/GSIN), NVE list
    // "device ID 2"; ČEZ Distribuce's XT211 push names its serial number with it
    // ("Výrobní číslo elektroměru", Tomer27cz/xt211 README.md @10cc1d1a, OBIS table).
    obis(0, 0, 96, 1, 1),
};

inline constexpr std::size_t kNoRegister = std::numeric_limits<std::size_t>::max();

// The codes finish() takes the meter's identity from: the meter id codes, best first,
// then the logical device name.
inline constexpr std::array kIdentityCodes{kMeterIdCodes[0], kMeterIdCodes[1], kMeterIdCodes[2],
                                           kDeviceName};
inline constexpr std::size_t kDeviceNameIdentity = 3;
static_assert(kMeterIdCodes.size() == kDeviceNameIdentity);

// A cheap first test, one look-up: the C values of the identity codes (96, 0, 42).
inline constexpr auto kIdentityC = [] {
  std::array<bool, 256> c{};
  for (const Obis& code : kIdentityCodes) c[code.v[2]] = true;
  return c;
}();
inline constexpr bool may_be_identity(const Obis& code) noexcept {
  return kIdentityC[code.v[2]];
}

// One flag per register, kept beside the Reading while it is built: in place for the
// registers of a typical push, on the heap beyond that.
class RegisterFlags {
 public:
  void reserve(std::size_t n) {
    if (n > kInline) more_.reserve(n - kInline);
  }
  void push_back(std::uint8_t flag) {
    if (size_ < kInline) {
      inline_[size_] = flag;
    } else {
      more_.push_back(flag);
    }
    ++size_;
  }
  // push_back(flag), n times.
  void push_many(std::size_t n, std::uint8_t flag) {
    if (size_ < kInline) {
      const std::size_t in_place = std::min(n, kInline - size_);
      std::fill_n(inline_.begin() + static_cast<std::ptrdiff_t>(size_), in_place, flag);
      size_ += in_place;
      n -= in_place;
    }
    more_.resize(more_.size() + n, flag);
    size_ += n;
  }
  std::uint8_t& operator[](std::size_t i) noexcept {
    return i < kInline ? inline_[i] : more_[i - kInline];
  }
  std::uint8_t& back() noexcept { return (*this)[size_ - 1]; }

 private:
  static constexpr std::size_t kInline = 64;
  std::array<std::uint8_t, kInline> inline_{};
  std::vector<std::uint8_t> more_;
  std::size_t size_{0};
};

// The Reading under construction lives where its caller keeps it (the Decoder builds it
// inside the Outcome it returns), so it is not moved from place to place.
struct Builder {
  explicit Builder(Reading& target) : reading(target), count(target.registers.size()) {}

  Reading& reading;
  RegisterFlags scaler_from_frame;  // parallel to reading.registers: 1 = scaler from the frame
  std::optional<dlms::DateTime> body_clock;

  // Room for about one register per top-level element (nested lists have exactly that,
  // flat {OBIS, value} lists half of it), so the list is not regrown while it is built.
  void reserve(std::size_t elements) {
    constexpr std::size_t kMaxReserved = 256;
    const std::size_t n = std::min(elements, kMaxReserved);
    reading.registers.reserve(n);
    scaler_from_frame.reserve(n);
  }

  std::size_t count{0};  // reading.registers.size(), kept (a division by sizeof(Register))

  // The first register of each code of kIdentityCodes (what Reading::find() would
  // return), noted as registers are added so that finish() need not search for them.
  std::array<std::size_t, kIdentityCodes.size()> identity_at{kNoRegister, kNoRegister, kNoRegister,
                                                             kNoRegister};

  // A new register, default but for its code, built in place.
  [[gnu::hot]] Register& add(const Obis& code) {
    const std::size_t at = count;
    Register& reg = reading.registers.emplace_back(code);
    ++count;
    scaler_from_frame.push_back(0);
    if (may_be_identity(code)) note_identity(code, at);
    return reg;
  }

  // The register of an identity code, or null.
  [[nodiscard]] const Register* identity(std::size_t which) const noexcept {
    const std::size_t at = identity_at[which];
    return at < reading.registers.size() ? &reading.registers[at] : nullptr;
  }

  [[gnu::noinline]] void note_identity(const Obis& code, std::size_t at) noexcept {
    for (std::size_t k = 0; k < kIdentityCodes.size(); ++k) {
      if (identity_at[k] == kNoRegister && code == kIdentityCodes[k]) identity_at[k] = at;
    }
  }

  // The notification header's date-time (finish() makes it the meter time) and, on the
  // direct path, its 12 bytes: the clock object in the body usually repeats them, and is
  // then not parsed a second time.
  std::optional<dlms::DateTime> header_time;
  std::span<const std::uint8_t> header_time_bytes;

  // date_time_of() for the values of this notification.
  [[nodiscard]] std::optional<dlms::DateTime> time_of(const Leaf& value) const {
    const auto* data = value.bytes();
    if (header_time && data != nullptr && data->size() == 12 && header_time_bytes.size() == 12 &&
        (value.tag == Tag::octet_string || value.tag == Tag::date_time) &&
        std::memcmp(data->data(), header_time_bytes.data(), 12) == 0) {
      return header_time;
    }
    return date_time_of(value);
  }

  // The first text register of the list version code (kNoRegister: none yet).
  std::size_t list_version_text{kNoRegister};

  // The only way a register gets a text.
  void add_text(const Obis& code, Text text) {
    add(code).text.emplace(std::move(text));
    if (list_version_text == kNoRegister && code == kListVersion) {
      list_version_text = count - 1;
    }
  }

  // A numeric register of an integer as sent (add_numeric() without a Leaf).
  void add_integer(const Obis& code, std::int64_t raw, int scaler, int unit_code) noexcept {
    Register& reg = add(code);
    reg.raw = raw;
    reg.scaler = scaler;
    reg.unit = unit_code;
    reg.value = apply_scaler(static_cast<double>(raw), scaler);
  }
  // The bookkeeping of add() for the registers appended to reading.registers directly
  // since `count` was last kept (a run of {OBIS code, integer} pairs or of Register
  // structures, whose loop only builds the registers), `scaled`: their scaler-units came
  // from the frame. How many there were.
  std::size_t added_appended(bool scaled) {
    const std::size_t first = count;
    const std::size_t n = reading.registers.size();
    const Register* registers = reading.registers.data();
    scaler_from_frame.push_many(n - first, scaled ? 1 : 0);
    for (std::size_t at = first; at < n; ++at) {
      if (may_be_identity(registers[at].obis)) note_identity(registers[at].obis, at);
    }
    count = n;
    return n - first;
  }

  // False (and the register added all the same) when the value is not a finite number.
  [[nodiscard]] bool add_numeric(const Obis& code, const Leaf& value, int scaler,
                                 int unit_code) noexcept {
    return fill_numeric(add(code), value, scaler, unit_code);
  }

  // A date-time register: its ISO 8601 text, the bytes as hex when the date is not
  // specified. When it shows the meter's clock (`meter_clock`; other times do
  // not) and is the first such, it becomes body_clock.
  void add_clock(const Obis& code, const dlms::DateTime& time, std::span<const std::uint8_t> bytes,
                 bool meter_clock = true) {
    if (meter_clock && !body_clock) body_clock = time;
    std::array<char, dlms::DateTime::kIso8601Size> iso;
    if (const std::size_t n = time.write_iso8601(iso)) {
      add_text(code, std::string_view(iso.data(), n));
    } else {
      add_text(code, to_hex(bytes));  // no date: the bytes as hex
    }
  }
};

// A named value -> a register added to `out`; false for null-data (nothing added).
// Containers are the caller's business.
Result<bool> add_named_register(const Obis& code, const Leaf& value, Builder& out,
                                bool is_clock_object = false);

// Registers whose scaler-unit did not come from the frame are as sent (Scaling::as_sent):
// an implied-unit table may cover them, and nothing maps them as if their unit were known.
void mark_as_sent(Builder& out);

// The meter id, device name and meter time, from the registers and times noted.
void finish(Builder& out);

}  // namespace sm::cosem::detail
