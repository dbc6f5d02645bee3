// Data-notification body (A-XDR value tree) -> Reading.
//
// Three ways to name the values of a push, tried in this order when the profile is "auto":
//  1. self-describing: the first element is the push setup's capture-object list
//     (Blue Book 4.4.8 "Push setup", push_object_list: {class_id, logical_name,
//     attribute_index, data_index}); element i+1 holds the value of capture object i+1.
//  2. positional: the body's element count and element types match a layout in
//     profiles.cpp exactly (lists without OBIS codes: Wiener Netze, Kärnten, Kaifa NO).
//  3. OBIS-tagged: a walk over the whole tree in document order, where a 6-byte
//     octet-string names the next value and a structure {integer scaler, enum unit}
//     directly after a numeric value is its scaler-unit (Blue Book 4.3.2 "Register").
//     Flat lists (EVN, Kamstrup, L+G E450) and nested {OBIS, value, {scaler, unit}}
//     structures (KSM West, Aidon, Iskra) are the same walk.
// Anything else is `unsupported`, with the body's shape in the message: numbers without a
// name are never guessed.
#include "cosem/decode.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "cosem/implied_units.h"
#include "cosem/profiles.h"
#include "cosem/scaling.h"
#include "cosem/units.h"
#include "cosem/value_text.h"
#include "dlms/apdu.h"
#include "dlms/apdu_tags.h"
#include "dlms/datetime.h"

namespace sm::cosem {
namespace {

using dlms::Tag;
using dlms::Value;

constexpr std::size_t kMaxWalkDepth = 32;  // the A-XDR decoder already limits depth to 16
constexpr std::size_t kShapeElementsShown = 16;

constexpr Obis kClock = obis(0, 0, 1, 0, 0);
constexpr Obis kMeterSerial = obis(0, 0, 96, 1, 0);
constexpr Obis kDeviceName = obis(0, 0, 42, 0, 0);
// "OBIS list version identifier" (NEK 399 HAN lists; Aidon tags it, Kamstrup does not).
constexpr Obis kListVersion = obis(1, 1, 0, 2, 129);

// Codes whose text value is the meter id, best first.
constexpr std::array kMeterIdCodes{
    kMeterSerial,         // COSEM "device ID 1", manufacturing number
    obis(1, 1, 0, 0, 5),  // Kamstrup HAN: meter number (GS1/GSIN), NVE list
};

// Profile names accepted besides the positional ones and the list-id scaler tables.
constexpr std::string_view kAuto = "auto";
constexpr std::string_view kObisTagged = "obis-tagged";
constexpr std::string_view kEvn = "evn";
constexpr std::string_view kSelfDescribing = "self-describing";
constexpr std::string_view kDsmr = "dsmr";
constexpr std::array kWalkProfiles{kObisTagged, kEvn};

// COSEM interface classes (Blue Book 4.1.2) used by the self-describing decoder.
constexpr std::int64_t kClassRegister = 3;
constexpr std::int64_t kClassExtendedRegister = 4;
constexpr std::int64_t kClassDemandRegister = 5;
constexpr std::int64_t kClassClock = 8;
constexpr std::int64_t kClassPushSetup = 40;
constexpr std::int64_t kAttributeValue = 2;
constexpr std::int64_t kAttributeScalerUnit = 3;

[[gnu::cold]] tl::unexpected<Error> cosem_error(ErrorCode code, std::size_t offset,
                                                std::string message) {
  return fail(code, Layer::cosem, offset, std::move(message));
}

// ----- shape description for error messages ---------------------------------------------

std::string type_name(Tag tag, std::optional<std::size_t> size) {
  std::string name(dlms::tag_name(tag));
  if (size) name += "(" + std::to_string(*size) + ")";
  return name;
}

std::string type_name(const Value& value) {
  std::optional<std::size_t> size;
  if (const auto* data = value.bytes()) {
    size = data->size();
  } else if (const auto* kids = value.children()) {
    size = kids->size();
  }
  return type_name(value.tag, size);
}

std::string describe_shape(const Value& body) {
  const auto* kids = body.children();
  if (kids == nullptr) return type_name(body);
  std::string out =
      std::string(dlms::tag_name(body.tag)) + " of " + std::to_string(kids->size()) + " [";
  const std::size_t shown = std::min(kids->size(), kShapeElementsShown);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i != 0) out += ", ";
    out += type_name((*kids)[i]);
  }
  if (kids->size() > shown) out += ", ...";
  out += "]";
  return out;
}

// ----- leaves ---------------------------------------------------------------------------
//
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

// A tree node that is not a container, as a Leaf.
Leaf leaf_of(const Value& value) {
  Leaf leaf;
  leaf.tag = value.tag;
  leaf.offset = value.offset;
  if (const auto* flag = std::get_if<bool>(&value.data)) {
    leaf.kind = Leaf::Kind::boolean;
    leaf.flag = *flag;
  } else if (const auto* s = std::get_if<std::int64_t>(&value.data)) {
    leaf.kind = Leaf::Kind::signed_int;
    leaf.signed_int = *s;
  } else if (const auto* u = std::get_if<std::uint64_t>(&value.data)) {
    leaf.kind = Leaf::Kind::unsigned_int;
    leaf.unsigned_int = *u;
  } else if (const auto* d = std::get_if<double>(&value.data)) {
    leaf.kind = Leaf::Kind::real;
    leaf.real = *d;
  } else if (const auto* data = value.bytes()) {
    leaf.kind = Leaf::Kind::bytes;
    leaf.content = *data;
  }
  return leaf;
}

std::string type_name(const Leaf& leaf) {
  std::optional<std::size_t> size;
  if (const auto* data = leaf.bytes()) size = data->size();
  return type_name(leaf.tag, size);
}

// ----- small predicates over values -----------------------------------------------------

bool is_signed_integer_tag(Tag tag) {
  return tag == Tag::int8 || tag == Tag::int16 || tag == Tag::int32 || tag == Tag::int64;
}

bool is_numeric_value(const Leaf& value) {
  return value.is_number() || value.tag == Tag::boolean;
}

// {integer scaler, enum unit} (Blue Book 4.3.2: scal_unit_type ::= structure {scaler integer,
// unit enum}); some meters send the scaler as a wider signed integer.
bool is_scaler_unit(const Value& value) {
  const auto* kids = value.children();
  return value.tag == Tag::structure && kids != nullptr && kids->size() == 2 &&
         is_signed_integer_tag((*kids)[0].tag) && (*kids)[1].tag == Tag::enum_;
}

std::optional<Obis> obis_of(const Leaf& value) {
  const auto* data = value.bytes();
  if (value.tag != Tag::octet_string || data == nullptr || data->size() != 6) return std::nullopt;
  return Obis::from_bytes(*data);
}

std::optional<Obis> obis_of(const Value& value) {
  if (value.is_container()) return std::nullopt;
  return obis_of(leaf_of(value));
}

// A 12-byte value that decodes as a COSEM date-time whose fields are all in range or
// "not specified" (Blue Book 4.1.6.1) and whose day exists; nullopt for anything else,
// e.g. a 12-character meter number.
std::optional<dlms::DateTime> date_time_of(const Leaf& value) {
  const auto* data = value.bytes();
  if (data == nullptr || data->size() != 12) return std::nullopt;
  if (value.tag != Tag::octet_string && value.tag != Tag::date_time) return std::nullopt;
  return dlms::try_parse_date_time(*data);
}

std::optional<dlms::DateTime> date_time_of(const Value& value) {
  if (value.is_container()) return std::nullopt;
  return date_time_of(leaf_of(value));
}

bool is_clock_obis(const Obis& code) {
  return code.v[0] == 0 && code.v[2] == 1 && code.v[3] == 0;
}

// ----- numbers --------------------------------------------------------------------------

Result<int> checked_scaler(std::int64_t scaler, std::size_t offset) {
  if (scaler < -kMaxAbsScaler || scaler > kMaxAbsScaler) {
    return cosem_error(ErrorCode::decode, offset,
                       "scaler " + std::to_string(scaler) +
                           " out of range (|scaler| <= " + std::to_string(kMaxAbsScaler) + ")");
  }
  return static_cast<int>(scaler);
}

// Fills a numeric register in place (it is built where the Reading keeps it). False when
// the value is not a finite number (numeric_error() says so).
bool fill_numeric(Register& reg, const Leaf& value, int scaler, int unit_code) noexcept {
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

[[gnu::cold]] tl::unexpected<Error> numeric_error(const Obis& code, const Leaf& value) {
  return cosem_error(ErrorCode::decode, value.offset,
                     "value of " + code.to_string() + " is not a finite number");
}

// Re-applies a scaler-unit to a register that was built with scaler 0.
Result<void> rescale(Register& reg, std::int64_t scaler, std::int64_t unit_code,
                     std::size_t offset) {
  auto checked = checked_scaler(scaler, offset);
  if (!checked) return tl::unexpected(checked.error());
  const double unscaled =
      reg.raw ? static_cast<double>(*reg.raw) : apply_scaler(reg.value, -reg.scaler);
  reg.scaler = *checked;
  reg.unit = (unit_code >= 0 && unit_code <= 255) ? static_cast<int>(unit_code) : kUnitNone;
  reg.value = apply_scaler(unscaled, reg.scaler);
  return {};
}

// The two fields of a scaler-unit structure (is_scaler_unit() already checked its shape).
struct ScalerUnit {
  std::int64_t scaler{0};
  std::int64_t unit{kUnitNone};
  std::size_t scaler_offset{0};
};

ScalerUnit read_scaler_unit(const Value& pair) {
  const auto& kids = *pair.children();
  ScalerUnit out;
  out.scaler_offset = kids[0].offset;
  // Signed tags always fit; the fallback only keeps the out-of-range path honest.
  if (!kids[0].as_int64(out.scaler)) out.scaler = std::numeric_limits<std::int64_t>::max();
  if (!kids[1].as_int64(out.unit)) out.unit = kUnitNone;
  return out;
}

// ----- the Reading under construction ---------------------------------------------------

constexpr std::size_t kNoRegister = std::numeric_limits<std::size_t>::max();

// The codes finish() takes the meter's identity from: the meter id codes, best first,
// then the logical device name.
constexpr std::array kIdentityCodes{kMeterIdCodes[0], kMeterIdCodes[1], kDeviceName};
constexpr std::size_t kDeviceNameIdentity = 2;
static_assert(kMeterIdCodes.size() == kDeviceNameIdentity);

// A cheap first test, one look-up: the C values of the identity codes (96, 0, 42).
constexpr auto kIdentityC = [] {
  std::array<bool, 256> c{};
  for (const Obis& code : kIdentityCodes) c[code.v[2]] = true;
  return c;
}();
constexpr bool may_be_identity(const Obis& code) noexcept {
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
  std::array<std::size_t, kIdentityCodes.size()> identity_at{kNoRegister, kNoRegister, kNoRegister};

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
                                bool is_clock_object = false) {
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

// ----- 3. OBIS-tagged walk --------------------------------------------------------------

class ObisTaggedWalk {
 public:
  explicit ObisTaggedWalk(Builder& out) : out_(out) {}

  Result<void> run(const Value& body) {
    if (!body.is_container()) {
      return cosem_error(ErrorCode::unsupported, body.offset,
                         "body is a single " + type_name(body));
    }
    if (auto done = visit_container(body, 0); !done) return done;
    return check_named(body.offset);
  }

  // After the body's last element: a body that named nothing is not OBIS-tagged.
  [[nodiscard]] Result<void> check_named(std::size_t body_offset) const {
    if (named_values_ == 0) {
      return cosem_error(ErrorCode::unsupported, body_offset, "no OBIS-tagged values");
    }
    return {};
  }

  [[nodiscard]] bool meter_number_was_last() const noexcept { return meter_number_last_; }

 private:
  struct PendingName {
    Obis code;
    std::size_t offset;
  };

  Result<void> visit_container(const Value& container, std::size_t depth) {
    if (depth > kMaxWalkDepth) {
      return cosem_error(ErrorCode::decode, container.offset,
                         "nesting deeper than " + std::to_string(kMaxWalkDepth));
    }
    const auto& kids = *container.children();
    for (std::size_t i = 0; i < kids.size(); ++i) {
      if (auto done = visit(kids[i], depth + 1, i, kids.size()); !done) return done;
    }
    // A name cannot reach into the next structure: {OBIS} {value} is a truncated triple.
    if (pending_) {
      return cosem_error(ErrorCode::decode, pending_->offset,
                         "OBIS code " + pending_->code.to_string() +
                             " is the last element of its " +
                             std::string(dlms::tag_name(container.tag)) + "; its value is missing");
    }
    return {};
  }

  Result<void> visit(const Value& value, std::size_t depth, std::size_t index,
                     std::size_t siblings) {
    if (is_scaler_unit(value)) return attach_scaler_unit(value);
    break_adjacency();

    if (value.is_container()) {
      if (pending_) {
        return cosem_error(ErrorCode::unsupported, value.offset,
                           "OBIS code " + pending_->code.to_string() + " names a " +
                               type_name(value) + " (structured values are not supported)");
      }
      return visit_container(value, depth);
    }
    return visit_leaf(leaf_of(value), depth, index, siblings);
  }

 public:
  // The steps of visit() that the direct path (DirectWalk) shares, so both walks apply
  // the same rules. A leaf is any value that is not a container.
  Result<void> visit_leaf(const Leaf& value, std::size_t depth, std::size_t index,
                          std::size_t siblings) {
    if (!pending_) {
      if (auto code = obis_of(value)) {
        name_next(*code, value.offset);
        return {};
      }
      return visit_unnamed(value, depth, index, siblings);
    }
    const Obis code = pending_->code;
    pending_.reset();
    auto added = add_named_register(code, value, out_);
    if (!added) return tl::unexpected(added.error());
    if (!*added) return {};
    const bool numeric = out_.reading.registers.back().numeric();
    const std::size_t at = out_.count - 1;
    ++named_values_;
    if (numeric) scalable_ = at;
    return {};
  }

  Result<void> attach_scaler_unit(const ScalerUnit& scaler_unit, std::size_t pair_offset) {
    if (pending_) {
      return cosem_error(
          ErrorCode::decode, pair_offset,
          "scaler-unit where the value of " + pending_->code.to_string() + " was expected");
    }
    if (!scalable_) {
      return cosem_error(ErrorCode::decode, pair_offset,
                         "scaler-unit structure does not follow a numeric value");
    }
    const std::size_t at = *scalable_;
    scalable_.reset();
    if (auto done = rescale(out_.reading.registers[at], scaler_unit.scaler, scaler_unit.unit,
                            scaler_unit.scaler_offset);
        !done) {
      return done;
    }
    out_.scaler_from_frame[at] = 1;
    return {};
  }

  [[nodiscard]] bool name_pending() const noexcept { return pending_.has_value(); }
  // visit_leaf() of a number named by `code` (no name pending): the direct path's most
  // common step. False when the value is not a finite number.
  bool named_number(const Obis& code, const Leaf& value) {
    if (!out_.add_numeric(code, value, 0, kUnitNone)) return false;
    ++named_values_;
    scalable_ = out_.count - 1;
    return true;
  }
  // named_number() followed by the attach_scaler_unit() of its scaler-unit: the register
  // built with its scaler and unit at once (scaler already checked to be in range).
  bool named_scaled_number(const Obis& code, const Leaf& value, int scaler, int unit_code) {
    if (!out_.add_numeric(code, value, scaler, unit_code)) return false;
    ++named_values_;
    scaled_by_frame();
    return true;
  }
  // named_number() of an integer (as int64), with the scaler and unit it has at once.
  void named_integer(const Obis& code, std::int64_t raw, int scaler, int unit_code) noexcept {
    out_.add_integer(code, raw, scaler, unit_code);
    ++named_values_;
    scalable_ = out_.count - 1;
  }
  // A run of named integers (DirectWalk::integer_pairs(), DirectWalk::register_triples()):
  // their registers (numeric) are appended to this list, ...
  [[nodiscard]] std::vector<Register>& run_registers() noexcept { return out_.reading.registers; }
  // ... then named_integer()'s bookkeeping is done for all of them at once. Without
  // scaler-units the last one is what a following scaler-unit attaches to; with them
  // (scaled_by_frame()), none is.
  void run_appended(bool scaled) {
    const std::size_t n = out_.added_appended(scaled);
    named_values_ += n;
    if (scaled) {
      scalable_.reset();
    } else if (n > 0) {
      scalable_ = out_.count - 1;
    }
  }
  // The last register's scaler-unit came from the frame (named_scaled_number() after
  // named_integer()); a following scaler-unit no longer attaches to it.
  void scaled_by_frame() noexcept {
    out_.scaler_from_frame.back() = 1;
    scalable_.reset();
  }
  // visit_leaf() of an OBIS code (a 6-byte octet-string) while no name is pending.
  void name_next(const Obis& code, std::size_t offset) { pending_ = PendingName{code, offset}; }
  // Anything but a scaler-unit breaks the value / scaler-unit adjacency.
  void break_adjacency() noexcept { scalable_.reset(); }

 private:
  Result<void> attach_scaler_unit(const Value& pair) {
    return attach_scaler_unit(read_scaler_unit(pair), pair.offset);
  }

  // Values without a preceding OBIS code, where a known list puts them:
  //  - a 12-byte date-time anywhere: the clock (EVN, L+G E450 start with it);
  //  - a string as the first top-level element: the list version (Kamstrup, Kaifa NO);
  //  - a string as the last top-level element: the meter number (EVN: "meter number
  //    last, untagged", Netz NÖ customer interface description).
  Result<void> visit_unnamed(const Leaf& value, std::size_t depth, std::size_t index,
                             std::size_t siblings) {
    if (value.tag == Tag::null_data) return {};
    if (auto time = out_.time_of(value)) {
      if (out_.reading.find(kClock) == nullptr) out_.add_clock(kClock, *time, *value.bytes());
      return {};
    }
    const bool top_level_string = depth == 1 && value.is_octets();
    if (top_level_string && index == 0 && siblings > 1) {
      out_.add_text(kListVersion, bytes_text(*value.bytes()));
      out_.reading.list_id = out_.reading.registers.back().text;
      return {};
    }
    if (top_level_string && index + 1 == siblings && siblings > 1) {
      out_.add_text(kMeterSerial, bytes_text(*value.bytes()));
      meter_number_last_ = true;
      return {};
    }
    return cosem_error(
        ErrorCode::unsupported, value.offset,
        type_name(value) + " at offset " + std::to_string(value.offset) + " has no OBIS code");
  }

  Builder& out_;
  std::optional<PendingName> pending_;
  std::optional<std::size_t> scalable_;  // register a following scaler-unit belongs to
  std::size_t named_values_{0};
  bool meter_number_last_{false};
};

// Registers whose scaler-unit did not come from the frame are as sent (Scaling::as_sent):
// an implied-unit table may cover them, and nothing maps them as if their unit were known.
void mark_as_sent(Builder& out) {
  for (std::size_t i = 0; i < out.reading.registers.size(); ++i) {
    Register& reg = out.reading.registers[i];
    if (reg.numeric() && out.scaler_from_frame[i] == 0) reg.scaling = Scaling::as_sent;
  }
}

// After a successful walk: the list id, the list's scalers and the profile name.
Result<std::string_view> obis_tagged_profile(const ObisTaggedWalk& walk, std::string_view forced,
                                             Builder& out);

Result<std::string_view> decode_obis_tagged(const Value& body, std::string_view forced,
                                            Builder& out) {
  ObisTaggedWalk walk(out);
  if (auto done = walk.run(body); !done) return tl::unexpected(done.error());
  return obis_tagged_profile(walk, forced, out);
}

Result<std::string_view> obis_tagged_profile(const ObisTaggedWalk& walk, std::string_view forced,
                                             Builder& out) {
  if (!out.reading.list_id && out.list_version_text != kNoRegister) {
    out.reading.list_id = out.reading.registers[out.list_version_text].text;
  }
  mark_as_sent(out);
  const profiles::ListScalers* table = forced.empty() ? nullptr : scaler_table_named(forced);
  const bool forced_table = table != nullptr;
  if (table == nullptr) table = select_scaler_table(out.reading);
  if (table != nullptr) {
    (void)apply_scaler_table(*table, out.reading);
    if (forced_table || !table->list_id.empty()) return table->profile;
  }
  if (!forced.empty()) return forced;
  return walk.meter_number_was_last() ? kEvn : kObisTagged;
}

// ----- 1. self-describing push ----------------------------------------------------------

struct CaptureObject {
  std::int64_t class_id{0};
  Obis code;
  std::int64_t attribute{0};
};

std::optional<CaptureObject> capture_object_of(const Value& value) {
  const auto* kids = value.children();
  if (value.tag != Tag::structure || kids == nullptr || kids->size() != 4) return std::nullopt;
  CaptureObject object;
  std::int64_t data_index = 0;
  auto code = obis_of((*kids)[1]);
  if (!code || !(*kids)[0].as_int64(object.class_id) || !(*kids)[2].as_int64(object.attribute) ||
      !(*kids)[3].as_int64(data_index)) {
    return std::nullopt;
  }
  object.code = *code;
  return object;
}

// The capture-object list when the body is {array of N capture objects, N - 1 values}.
std::optional<std::vector<CaptureObject>> capture_list_of(const Value& body) {
  const auto* kids = body.children();
  if (body.tag != Tag::structure || kids == nullptr || kids->size() < 2) return std::nullopt;
  const auto* list = (*kids)[0].children();
  if ((*kids)[0].tag != Tag::array || list == nullptr || list->size() != kids->size())
    return std::nullopt;
  std::vector<CaptureObject> objects;
  objects.reserve(list->size());  // bounded by the decoded tree, not by a wire count
  for (const auto& entry : *list) {
    auto object = capture_object_of(entry);
    if (!object) return std::nullopt;
    objects.push_back(*object);
  }
  return objects;
}

// True when the list captures attribute 2 (the value) of this object.
bool captures_value_of(const std::vector<CaptureObject>& objects, const Obis& code) {
  return std::any_of(objects.begin(), objects.end(), [&code](const CaptureObject& object) {
    return object.code == code && object.attribute == kAttributeValue;
  });
}

Result<void> decode_self_describing(const Value& body, const std::vector<CaptureObject>& objects,
                                    Builder& out) {
  const auto& values = *body.children();
  struct CapturedScalerUnit {
    Obis code;
    const Value* pair;
  };
  std::vector<CapturedScalerUnit> scaler_units;
  // Element 0 is the value of capture object 0: the push setup's own object list.
  for (std::size_t i = 1; i < objects.size(); ++i) {
    const CaptureObject& object = objects[i];
    const Value& value = values[i];
    if (object.class_id == kClassPushSetup) continue;
    const bool has_scaler_unit = object.class_id == kClassRegister ||
                                 object.class_id == kClassExtendedRegister ||
                                 object.class_id == kClassDemandRegister;
    if (object.attribute == kAttributeScalerUnit && has_scaler_unit && is_scaler_unit(value)) {
      scaler_units.push_back({object.code, &value});
      continue;
    }
    // Every value of a push is reported (an enum, a boolean, a string of any interface
    // class: the disconnect control's state is attribute 3 of class 70), except other
    // attributes (capture times, status) of an object whose value attribute is captured
    // too, which would give its code a second register. Containers (buffers) are no register.
    if (value.is_container()) continue;
    if (object.attribute != kAttributeValue && captures_value_of(objects, object.code)) continue;
    auto added =
        add_named_register(object.code, leaf_of(value), out, object.class_id == kClassClock);
    if (!added) return tl::unexpected(added.error());
  }
  for (const auto& [code, pair] : scaler_units) {
    const ScalerUnit scaler_unit = read_scaler_unit(*pair);
    for (std::size_t i = 0; i < out.reading.registers.size(); ++i) {
      Register& reg = out.reading.registers[i];
      if (reg.obis != code || !reg.numeric()) continue;
      if (auto done = rescale(reg, scaler_unit.scaler, scaler_unit.unit, scaler_unit.scaler_offset);
          !done) {
        return done;
      }
      out.scaler_from_frame[i] = 1;
    }
  }
  if (out.reading.registers.empty()) {
    return cosem_error(ErrorCode::unsupported, body.offset,
                       "self-describing push without register values");
  }
  mark_as_sent(out);
  if (const auto* table = select_scaler_table(out.reading)) {
    (void)apply_scaler_table(*table, out.reading);
  }
  return {};
}

// ----- 2. positional layouts ------------------------------------------------------------

bool bytes_equal(const Value& value, std::string_view expected) {
  const auto* data = value.bytes();
  return value.is_octets() && data != nullptr && data->size() == expected.size() &&
         std::equal(data->begin(), data->end(), expected.begin(),
                    [](std::uint8_t byte, char c) { return byte == static_cast<std::uint8_t>(c); });
}

bool octets_of_size(const Value& value, Tag typed_tag, std::size_t size) {
  const auto* data = value.bytes();
  return data != nullptr && data->size() == size &&
         (value.tag == Tag::octet_string || value.tag == typed_tag);
}

bool field_matches(const profiles::FieldSpec& field, const Value& value, std::string_view list_id) {
  using profiles::Field;
  switch (field.kind) {
    case Field::number:
      return value.is_number();
    case Field::text:
      return value.is_octets();
    case Field::date_time:
      return date_time_of(value).has_value();
    case Field::time_of_day:
      return octets_of_size(value, Tag::time, 4);
    case Field::date:
      return octets_of_size(value, Tag::date, 5);
    case Field::obis_literal:
      return obis_of(value) == field.obis;
    case Field::list_id:
      return bytes_equal(value, list_id);
    case Field::unused_text:
      return value.is_octets();
  }
  return false;
}

const profiles::PositionalLayout* match_layout(const Value& body, std::string_view only_profile) {
  const auto* kids = body.children();
  if (kids == nullptr || body.tag != Tag::structure) return nullptr;
  for (const auto& layout : profiles::positional_layouts()) {
    if (!only_profile.empty() && layout.profile != only_profile) continue;
    if (layout.fields.size() != kids->size()) continue;
    bool all_match = true;
    for (std::size_t i = 0; i < kids->size() && all_match; ++i) {
      all_match = field_matches(layout.fields[i], (*kids)[i], layout.list_id);
    }
    if (all_match) return &layout;
  }
  return nullptr;
}

Result<void> apply_layout(const profiles::PositionalLayout& layout, const Value& body,
                          Builder& out) {
  using profiles::Field;
  const auto& kids = *body.children();
  const Value* date = nullptr;
  const Value* time_of_day = nullptr;
  for (std::size_t i = 0; i < kids.size(); ++i) {
    const profiles::FieldSpec& field = layout.fields[i];
    const Value& value = kids[i];
    switch (field.kind) {
      case Field::number: {
        const Leaf leaf = leaf_of(value);
        if (!out.add_numeric(field.obis, leaf, field.scaler, field.unit)) {
          return numeric_error(field.obis, leaf);
        }
        out.scaler_from_frame.back() = 1;  // the profile's scaler is final
        break;
      }
      case Field::text:
        out.add_text(field.obis, bytes_text(*value.bytes()));
        break;
      case Field::date_time:
        out.add_clock(field.obis, *date_time_of(value), *value.bytes());
        break;
      case Field::time_of_day:
        time_of_day = &value;
        break;
      case Field::date:
        date = &value;
        break;
      case Field::list_id:
        out.reading.list_id = std::string(layout.list_id);
        out.add_text(field.obis, layout.list_id);
        break;
      case Field::obis_literal:
      case Field::unused_text:
        break;
    }
  }
  if (date != nullptr && time_of_day != nullptr) {
    auto joined = join_date_and_time(*date->bytes(), *time_of_day->bytes());
    if (joined) out.add_clock(kClock, *joined, {});
  }
  return {};
}

// ----- putting it together --------------------------------------------------------------

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

bool is_positional_profile(std::string_view name) {
  const auto layouts = profiles::positional_layouts();
  return std::any_of(layouts.begin(), layouts.end(),
                     [name](const auto& layout) { return layout.profile == name; });
}

// The same set as profile_names(), without building it (this runs for every frame).
bool is_known_profile(std::string_view name) {
  if (name == kAuto || name == kSelfDescribing || name == kDsmr || is_positional_profile(name)) {
    return true;
  }
  return std::find(kWalkProfiles.begin(), kWalkProfiles.end(), name) != kWalkProfiles.end() ||
         scaler_table_named(name) != nullptr;
}

bool is_walk_profile(std::string_view name) {
  return std::find(kWalkProfiles.begin(), kWalkProfiles.end(), name) != kWalkProfiles.end() ||
         scaler_table_named(name) != nullptr;
}

Result<Reading> decode_dsmr_body(const Value& body, const dlms::DataNotification& notification) {
  const auto* data = body.bytes();
  std::string telegram(data->begin(), data->end());
  auto reading = decode_dsmr(telegram);
  if (reading && !reading->meter_time && notification.date_time) {
    reading->meter_time = MeterTime::of(*notification.date_time);
  }
  return reading;
}

Result<Reading> unrecognised(const Value& body, std::string_view detail,
                             std::optional<std::size_t> offset = std::nullopt) {
  std::string message = "body shape not recognised: " + describe_shape(body);
  if (!detail.empty()) message += ": " + std::string(detail);
  return cosem_error(ErrorCode::unsupported, offset.value_or(body.offset), std::move(message));
}

// ----- the direct path ------------------------------------------------------------------
//
// The OBIS-tagged walk run straight over the A-XDR bytes of a data-notification, without
// building the value tree first: flat and nested OBIS lists (nearly every push) decode in
// one pass. It drives the same ObisTaggedWalk steps with the same value conversions, on a
// narrow grammar: short-form lengths, boolean / integer / enum / string values, at most
// kDirectMaxDepth nested containers. On anything else, and on every error, it gives up
// (nullopt) and the caller decodes the frame the general way, which then yields the same
// Reading or the error with its exact message and offset.

constexpr std::size_t kDirectMaxDepth = 4;

constexpr bool is_container_tag_byte(std::uint8_t tag) noexcept {
  return tag == static_cast<std::uint8_t>(Tag::array) ||
         tag == static_cast<std::uint8_t>(Tag::structure);
}

constexpr bool is_octets_tag_byte(std::uint8_t tag) noexcept {
  return tag == static_cast<std::uint8_t>(Tag::octet_string) ||
         tag == static_cast<std::uint8_t>(Tag::visible_string) ||
         tag == static_cast<std::uint8_t>(Tag::utf8_string);
}

class DirectWalk {
 public:
  enum class Match { no, done, failed };

  DirectWalk(ByteReader& r, const dlms::AxdrLimits& limits, ObisTaggedWalk& walk)
      : r_(r), limits_(limits), walk_(walk) {}

  // The elements of the body container whose header was just read (level 1).
  bool body_elements(std::size_t count) { return elements(count, 1); }

  // Whether an element of the body was a container (a scaler-unit structure counts too).
  [[nodiscard]] bool saw_nested_container() const noexcept { return saw_nested_container_; }

  // Reads a container header: tag byte, short-form count. False for anything the
  // general decoder would treat differently (long counts, limits, too few bytes).
  bool container_header(std::size_t level, std::size_t& count) {
    const auto rest = r_.rest();
    if (rest.size() < 2 || !is_container_tag_byte(rest[0]) || rest[1] >= 0x80) return false;
    count = rest[1];
    if (level > limits_.max_depth || level > kDirectMaxDepth || count > limits_.max_elements ||
        count > rest.size() - 2 || !count_node()) {
      return false;
    }
    (void)r_.try_skip(2);
    return true;
  }

 private:
  bool count_node() { return ++nodes_ <= limits_.max_nodes; }
  // How many of `most` items of `values` values each the node limit leaves room for.
  [[nodiscard]] std::size_t room_for(std::size_t most, std::size_t values) const noexcept {
    return std::min(most, nodes_ < limits_.max_nodes ? (limits_.max_nodes - nodes_) / values : 0);
  }
  bool count_nodes(std::size_t n) {
    nodes_ += n;
    return nodes_ <= limits_.max_nodes;
  }

  [[gnu::hot]] bool elements(std::size_t count, std::size_t level) {
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t taken = 0;
      if (const Match m = named_integers(i, count, taken); m != Match::no) {
        if (m == Match::failed) return false;
        i += taken - 1;  // names and their values
        continue;
      }
      if (const Match m = starts_register_triple(r_.rest())
                              ? register_triples(level, count - i, taken)
                              : Match::no;
          m != Match::no) {
        if (m == Match::failed) return false;
        i += taken - 1;
        continue;
      }
      if (!element(level, i, count)) return false;
    }
    return !walk_.name_pending();  // a name without its value: an error, decoded generally
  }

  bool element(std::size_t depth, std::size_t index, std::size_t siblings) {
    const auto rest = r_.rest();
    if (rest.empty()) return false;
    const std::uint8_t tag = rest[0];
    if (is_container_tag_byte(tag)) {
      if (const Match m = scaler_unit(depth); m != Match::no) return m == Match::done;
      if (const Match m = register_triple(depth); m != Match::no) return m == Match::done;
      walk_.break_adjacency();
      std::size_t count = 0;
      if (walk_.name_pending() || !container_header(depth + 1, count)) return false;
      saw_nested_container_ = true;
      return elements(count, depth + 1);
    }
    walk_.break_adjacency();
    if (!walk_.name_pending() && is_obis_name(rest)) return obis_name();
    Leaf value;
    if (!leaf(value)) return false;
    return walk_.visit_leaf(value, depth, index, siblings).has_value();
  }

  // An OBIS code (octet-string of 6 bytes) that visit_leaf() would take as the name of
  // the next value: handed over without building its Value.
  bool is_obis_name(std::span<const std::uint8_t> rest) const noexcept {
    return rest.size() >= 8 && rest[0] == static_cast<std::uint8_t>(Tag::octet_string) &&
           rest[1] == 6 && limits_.max_string_length >= 6;
  }

  // An OBIS code followed by an integer (or boolean) in the same container, the most
  // common pair, and as many such pairs as follow it (the flat lists of the L+G E450,
  // Sagemcom, ...): what obis_name(), then element() and visit_leaf() of the value, do
  // for each, in one step. `taken`: the elements consumed (two per pair). `no`: the
  // bytes are something else.
  [[gnu::always_inline]] Match named_integers(std::size_t index, std::size_t siblings,
                                              std::size_t& taken) {
    if (index + 1 >= siblings || walk_.name_pending()) return Match::no;
    const auto rest = r_.rest();
    if (!is_obis_name(rest) || rest.size() < 9) return Match::no;
    const auto integer = dlms::integer_tag(rest[8]);
    if (integer.kind == dlms::IntegerKind::none || rest.size() - 9 < integer.width) {
      return Match::no;
    }
    if (std::int64_t raw = 0; !integer_value(integer, rest.subspan(9, integer.width), raw)) {
      // An unsigned value beyond INT64_MAX: a Leaf takes it.
      if (!count_nodes(2)) return Match::failed;
      walk_.break_adjacency();
      (void)r_.try_skip(8);
      Leaf value;
      read_integer(integer, value);
      taken = 2;
      return walk_.named_number(*Obis::from_bytes(rest.subspan(2, 6)), value) ? Match::done
                                                                              : Match::failed;
    }
    return integer_pairs((siblings - index) / 2, taken) ? Match::done : Match::failed;
  }

  // The run of pairs named_integers() found (at least one, the first checked), at most
  // `most`: stops at anything else, including an unsigned value beyond INT64_MAX. False
  // when the node limit is reached. The loop only reads the bytes and builds the
  // registers; the rest is done once for the run.
  [[gnu::noinline]] bool integer_pairs(std::size_t most, std::size_t& taken) {
    const std::size_t room = room_for(most, 2);  // two values a pair
    if (room == 0) return false;
    const auto rest = r_.rest();
    const std::uint8_t* p = rest.data();
    std::size_t left = rest.size();
    std::vector<Register>& registers = walk_.run_registers();
    std::size_t pairs = 0;
    for (; pairs < room; ++pairs) {
      if (left < 9 || p[0] != static_cast<std::uint8_t>(Tag::octet_string) || p[1] != 6) break;
      const auto integer = dlms::integer_tag(p[8]);
      if (integer.kind == dlms::IntegerKind::none || left - 9 < integer.width) break;
      std::int64_t raw = 0;
      if (!integer_value(integer, std::span(p + 9, integer.width), raw)) break;
      Obis code;
      std::memcpy(code.v.data(), p + 2, code.v.size());
      registers.emplace_back(code, raw, static_cast<double>(raw), 0, kUnitNone);
      p += 9 + integer.width;
      left -= 9 + integer.width;
    }
    nodes_ += 2 * pairs;
    walk_.run_appended(false);
    (void)r_.try_skip(rest.size() - left);
    taken = 2 * pairs;
    return true;
  }

  // The value of an integer-like A-XDR value (its tag `integer`, its `content` present)
  // as an int64; false for an unsigned value beyond INT64_MAX (a Leaf takes that).
  [[gnu::always_inline]] static bool integer_value(dlms::IntegerTag integer,
                                                   std::span<const std::uint8_t> content,
                                                   std::int64_t& raw) noexcept {
    switch (integer.kind) {
      case dlms::IntegerKind::boolean:
        raw = content[0] != 0 ? 1 : 0;
        return true;
      case dlms::IntegerKind::signed_int:
        raw = load_be_signed(content);
        return true;
      default: {
        const std::uint64_t u = load_be_unsigned(content);
        raw = static_cast<std::int64_t>(u);
        return u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      }
    }
  }

  // structure {OBIS code, integer, structure {signed integer, enum}} (a Register's
  // logical name, value and scaler-unit, as KSM West, Aidon and Iskra nest them), the
  // structure's header at the reader and no name pending: what container_header(),
  // named_integer() and scaler_unit() do for it, in one step. `no`: something else.
  [[gnu::always_inline]] Match register_triple(std::size_t depth) {
    const auto rest = r_.rest();
    if (walk_.name_pending() || limits_.max_string_length < 6) return Match::no;
    const auto shape = triple_shape(rest.data(), rest.size());
    if (!shape) return Match::no;
    const auto [integer, pair_at, scaler_tag, unit_at] = *shape;
    // Six values: the triple, its name and value, the pair and its two fields; the
    // triple opens level depth + 1, the pair depth + 2.
    const std::size_t deepest = depth + 2;
    if (deepest > limits_.max_depth || deepest > kDirectMaxDepth || limits_.max_elements < 3) {
      return Match::failed;
    }
    if (!count_nodes(6)) return Match::failed;
    const std::int64_t scaler = load_be_signed(rest.subspan(pair_at + 3, scaler_tag.width));
    if (scaler < -kMaxAbsScaler || scaler > kMaxAbsScaler) return Match::failed;
    walk_.break_adjacency();
    const Obis code = *Obis::from_bytes(rest.subspan(4, 6));
    saw_nested_container_ = true;
    if (std::int64_t raw = 0; integer_value(integer, rest.subspan(11, integer.width), raw)) {
      walk_.named_integer(code, raw, static_cast<int>(scaler), rest[unit_at + 1]);
      walk_.scaled_by_frame();
      (void)r_.try_skip(unit_at + 2);
      return Match::done;
    }
    (void)r_.try_skip(10);
    Leaf value;
    read_integer(integer, value);
    if (!walk_.named_scaled_number(code, value, static_cast<int>(scaler), rest[unit_at + 1])) {
      return Match::failed;
    }
    (void)r_.try_skip(unit_at + 2 - pair_at);
    return Match::done;
  }

  // Where the parts of a structure {OBIS code, integer, structure {signed integer, enum}}
  // lie, for the `left` bytes at `p`; nullopt when they are something else.
  struct TripleShape {
    dlms::IntegerTag integer;     // the value's tag, at 10
    std::size_t pair_at;          // the scaler-unit structure
    dlms::IntegerTag scaler_tag;  // at pair_at + 2
    std::size_t unit_at;          // the unit's enum tag
  };
  [[gnu::always_inline]] static std::optional<TripleShape> triple_shape(const std::uint8_t* p,
                                                                        std::size_t left) noexcept {
    if (left < 11 || p[0] != static_cast<std::uint8_t>(Tag::structure) || p[1] != 3 ||
        p[2] != static_cast<std::uint8_t>(Tag::octet_string) || p[3] != 6) {
      return std::nullopt;
    }
    const auto integer = dlms::integer_tag(p[10]);
    if (integer.kind == dlms::IntegerKind::none) return std::nullopt;
    const std::size_t pair_at = 11 + integer.width;
    if (left < pair_at + 4 || p[pair_at] != static_cast<std::uint8_t>(Tag::structure) ||
        p[pair_at + 1] != 2) {
      return std::nullopt;
    }
    const auto scaler_tag = dlms::integer_tag(p[pair_at + 2]);
    if (scaler_tag.kind != dlms::IntegerKind::signed_int) return std::nullopt;
    const std::size_t unit_at = pair_at + 3 + scaler_tag.width;
    if (left < unit_at + 2 || p[unit_at] != static_cast<std::uint8_t>(Tag::enum_)) {
      return std::nullopt;
    }
    return TripleShape{integer, pair_at, scaler_tag, unit_at};
  }

  // The first bytes of such a structure (register_triples() checks the rest).
  static bool starts_register_triple(std::span<const std::uint8_t> rest) noexcept {
    return rest.size() >= 11 && rest[0] == static_cast<std::uint8_t>(Tag::structure) &&
           rest[1] == 3;
  }

  // A run of up to `most` structures {OBIS code, integer, structure {signed integer,
  // enum}}, the first at the reader: what register_triple() does for each, in one loop
  // over the bytes that only builds the registers (KSM West sends eight in a row).
  // `taken`: how many. `no` when the first is not one register_triple() would take the
  // same way (it then decides); a run stops before such a one.
  [[gnu::noinline]] Match register_triples(std::size_t depth, std::size_t most,
                                           std::size_t& taken) {
    if (walk_.name_pending() || limits_.max_string_length < 6) return Match::no;
    // Six values a structure: the structure, its name and value, the pair and its two
    // fields; the structure opens level depth + 1, the pair depth + 2.
    const std::size_t deepest = depth + 2;
    const bool levels_ok =
        deepest <= limits_.max_depth && deepest <= kDirectMaxDepth && limits_.max_elements >= 3;
    const std::size_t room = room_for(most, 6);
    const auto rest = r_.rest();
    const std::uint8_t* p = rest.data();
    std::size_t left = rest.size();
    std::vector<Register>& registers = walk_.run_registers();
    std::size_t n = 0;
    for (; n < most; ++n) {
      const auto shape = triple_shape(p, left);
      if (!shape) break;
      const auto [integer, pair_at, scaler_tag, unit_at] = *shape;
      // The shape is right: limits and range decide now (register_triple()'s `failed`).
      const std::int64_t scaler = load_be_signed(std::span(p + pair_at + 3, scaler_tag.width));
      std::int64_t raw = 0;
      if (!levels_ok || n == room || scaler < -kMaxAbsScaler || scaler > kMaxAbsScaler ||
          !integer_value(integer, std::span(p + 11, integer.width), raw)) {
        break;
      }
      Obis code;
      std::memcpy(code.v.data(), p + 4, code.v.size());
      const int exponent = static_cast<int>(scaler);
      registers.emplace_back(code, raw, apply_scaler(static_cast<double>(raw), exponent), exponent,
                             p[unit_at + 1]);
      p += unit_at + 2;
      left -= unit_at + 2;
    }
    if (n == 0) return Match::no;
    nodes_ += 6 * n;
    saw_nested_container_ = true;
    walk_.run_appended(true);
    (void)r_.try_skip(rest.size() - left);
    taken = n;
    return Match::done;
  }

  bool obis_name() {
    if (!count_node()) return false;
    const auto rest = r_.rest();
    walk_.name_next(*Obis::from_bytes(rest.subspan(2, 6)), r_.offset());
    (void)r_.try_skip(8);
    return true;
  }

  // structure {signed integer, enum} (is_scaler_unit() on the bytes) at walk depth
  // `depth`: attached to the numeric value before it. `no`: the bytes are not one.
  [[gnu::always_inline]] Match scaler_unit(std::size_t depth) {
    const auto rest = r_.rest();
    if (rest.size() < 4 || rest[0] != static_cast<std::uint8_t>(Tag::structure) || rest[1] != 2) {
      return Match::no;
    }
    const auto scaler_tag = dlms::integer_tag(rest[2]);
    if (scaler_tag.kind != dlms::IntegerKind::signed_int) return Match::no;
    const std::size_t width = scaler_tag.width;
    const std::size_t unit_at = 3 + width;
    if (rest.size() < unit_at + 2 || rest[unit_at] != static_cast<std::uint8_t>(Tag::enum_)) {
      return Match::no;
    }
    // Three values (the structure and its two elements); the structure opens a level.
    const std::size_t level = depth + 1;
    if (level > limits_.max_depth || level > kDirectMaxDepth || limits_.max_elements < 2 ||
        !count_nodes(3)) {
      return Match::failed;
    }
    ScalerUnit scaler_unit;
    const std::size_t pair_offset = r_.offset();
    scaler_unit.scaler_offset = pair_offset + 2;
    scaler_unit.scaler = load_be_signed(rest.subspan(3, width));
    scaler_unit.unit = rest[unit_at + 1];
    if (!walk_.attach_scaler_unit(scaler_unit, pair_offset)) return Match::failed;
    saw_nested_container_ = true;
    (void)r_.try_skip(unit_at + 2);
    return Match::done;
  }

  bool leaf(Leaf& value) {
    const auto rest = r_.rest();
    const std::uint8_t tag = rest[0];
    value.tag = static_cast<Tag>(tag);
    value.offset = r_.offset();
    if (is_octets_tag_byte(tag)) {
      if (rest.size() < 2 || rest[1] >= 0x80 || rest[1] > limits_.max_string_length ||
          rest.size() - 2 < rest[1] || !count_node()) {
        return false;
      }
      value.kind = Leaf::Kind::bytes;
      value.content = rest.subspan(2, rest[1]);
      (void)r_.try_skip(2 + value.content.size());
      return true;
    }
    if (tag == static_cast<std::uint8_t>(Tag::null_data)) {
      (void)r_.try_skip(1);
      return count_node();
    }
    const auto integer = dlms::integer_tag(tag);
    if (integer.kind == dlms::IntegerKind::none || rest.size() - 1 < integer.width ||
        !count_node()) {
      return false;
    }
    read_integer(integer, value);
    return true;
  }

  // The integer-like value at the reader (its tag `integer`, its bytes present).
  [[gnu::always_inline]] void read_integer(dlms::IntegerTag integer, Leaf& value) {
    const auto rest = r_.rest();
    value.tag = static_cast<Tag>(rest[0]);
    value.offset = r_.offset();
    const auto content = rest.subspan(1, integer.width);
    switch (integer.kind) {
      case dlms::IntegerKind::boolean:
        value.kind = Leaf::Kind::boolean;
        value.flag = content[0] != 0;
        break;
      case dlms::IntegerKind::signed_int:
        value.kind = Leaf::Kind::signed_int;
        value.signed_int = load_be_signed(content);
        break;
      default:
        value.kind = Leaf::Kind::unsigned_int;
        value.unsigned_int = load_be_unsigned(content);
        break;
    }
    (void)r_.try_skip(1 + integer.width);
  }

  ByteReader& r_;
  const dlms::AxdrLimits& limits_;
  ObisTaggedWalk& walk_;
  std::size_t nodes_{0};
  bool saw_nested_container_{false};
};

// True when a body that starts with these bytes could be a self-describing push, which
// comes before the OBIS walk in "auto": the direct path then leaves it to the general one.
bool may_be_self_describing(std::size_t count, std::uint8_t first) {
  return count == 0 || first == static_cast<std::uint8_t>(Tag::array);
}

// True when a structure of `count` elements could match a positional layout (tried before
// the OBIS walk in "auto"). Only when none of its top-level elements is a container: no
// field kind of a layout matches a container (see field_matches()).
bool may_be_positional(std::uint8_t body_tag, std::size_t count) {
  if (body_tag != static_cast<std::uint8_t>(Tag::structure)) return false;
  const auto layouts = profiles::positional_layouts();
  return std::any_of(layouts.begin(), layouts.end(),
                     [count](const auto& layout) { return layout.fields.size() == count; });
}

// `reading` emptied; its register list keeps its capacity (the Decoder hands in a
// recycled one).
void clear_keeping_storage(Reading& reading) {
  std::vector<Register> registers;
  registers.swap(reading.registers);
  registers.clear();
  reading = Reading{};
  reading.registers.swap(registers);
}

[[gnu::hot]] bool decode_direct(std::span<const std::uint8_t> apdu, const dlms::AxdrLimits& limits,
                                Reading& reading) {
  if (apdu.empty() || apdu[0] != dlms::apdu_tag::data_notification) return false;
  ByteReader r(apdu, Layer::dlms, "data-notification");
  const auto header = dlms::read_notification_header(r);
  if (!header) return false;
  std::optional<dlms::DateTime> header_time;
  if (!header->date_time.empty()) header_time = dlms::try_parse_date_time(header->date_time);

  const auto body = r.rest();
  if (body.size() < 3 || may_be_self_describing(body[1], body[2])) return false;
  const std::size_t body_offset = r.offset();
  clear_keeping_storage(reading);
  Builder out(reading);
  out.header_time = header_time;
  out.header_time_bytes = header->date_time;
  ObisTaggedWalk walk(out);
  DirectWalk direct(r, limits, walk);
  std::size_t count = 0;
  if (!direct.container_header(1, count)) return false;
  out.reserve(count);
  if (!direct.body_elements(count) || !r.empty() || !walk.check_named(body_offset)) {
    return false;
  }
  if (!direct.saw_nested_container() && may_be_positional(body[0], count)) return false;
  auto profile = obis_tagged_profile(walk, {}, out);
  if (!profile) return false;
  reading.profile.assign(*profile);
  finish(out);
  return true;
}

}  // namespace

Result<Reading> decode_notification(const dlms::DataNotification& notification,
                                    const DecodeOptions& options) {
  const std::string_view wanted = options.profile;
  const bool automatic = wanted == kAuto;
  const Value& body = notification.body;
  if (!automatic && !is_known_profile(wanted)) {
    return cosem_error(ErrorCode::unsupported, 0, "unknown profile '" + std::string(wanted) + "'");
  }

  // Steiermark / Luxembourg: DSMR P1 text carried in an octet-string body.
  const bool body_is_text =
      body.is_octets() && body.bytes() != nullptr && looks_like_dsmr(*body.bytes());
  if (body_is_text && (automatic || wanted == kDsmr)) return decode_dsmr_body(body, notification);
  if (!automatic && wanted == kDsmr) {
    return unrecognised(body, "profile dsmr needs a DSMR telegram");
  }

  Reading reading;
  Builder out(reading);
  out.header_time = notification.date_time;
  if (const auto* kids = body.children()) out.reserve(kids->size());
  if (automatic || wanted == kSelfDescribing) {
    if (auto objects = capture_list_of(body)) {
      if (auto done = decode_self_describing(body, *objects, out); !done)
        return tl::unexpected(done.error());
      reading.profile = std::string(kSelfDescribing);
      finish(out);
      return reading;
    }
    if (!automatic) return unrecognised(body, "no capture-object list");
  }
  if (automatic || is_positional_profile(wanted)) {
    const std::string_view only = automatic ? std::string_view{} : wanted;
    if (const auto* layout = match_layout(body, only)) {
      if (auto done = apply_layout(*layout, body, out); !done) return tl::unexpected(done.error());
      reading.profile = std::string(layout->profile);
      finish(out);
      return reading;
    }
    if (!automatic) return unrecognised(body, "does not match profile " + std::string(wanted));
  }
  if (automatic || is_walk_profile(wanted)) {
    auto profile = decode_obis_tagged(body, automatic ? std::string_view{} : wanted, out);
    if (!profile) {
      if (profile.error().code == ErrorCode::unsupported) {
        return unrecognised(body, profile.error().message, profile.error().offset);
      }
      return tl::unexpected(profile.error());
    }
    reading.profile = std::string(*profile);
    finish(out);
    return reading;
  }
  return unrecognised(body, "");
}

bool decode_common_notification(std::span<const std::uint8_t> apdu, const dlms::AxdrLimits& limits,
                                const DecodeOptions& options, Reading& reading) {
  if (options.profile != kAuto) return false;
  return decode_direct(apdu, limits, reading);
}

std::vector<std::string_view> profile_names() {
  std::vector<std::string_view> names{kAuto, kObisTagged, kEvn, kSelfDescribing, kDsmr};
  auto add_unique = [&names](std::string_view name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const auto& table : profiles::list_scaler_tables()) add_unique(table.profile);
  for (const auto& layout : profiles::positional_layouts()) add_unique(layout.profile);
  return names;
}

}  // namespace sm::cosem
