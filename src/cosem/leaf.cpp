// Leaves, the predicates over them, and scalers.
#include "cosem/leaf.h"

namespace sm::cosem::detail {

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

// {integer scaler, enum unit} (Blue Book 4.3.2: scal_unit_type ::= structure {scaler integer,
// unit enum}); some meters send the scaler as a wider signed integer.
bool is_scaler_unit(const Value& value) {
  const auto* kids = value.children();
  return value.tag == Tag::structure && kids != nullptr && kids->size() == 2 &&
         is_signed_integer_tag((*kids)[0].tag) && (*kids)[1].tag == Tag::enum_;
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

Result<int> checked_scaler(std::int64_t scaler, std::size_t offset) {
  if (scaler < -kMaxAbsScaler || scaler > kMaxAbsScaler) {
    return cosem_error(ErrorCode::decode, offset,
                       "scaler " + std::to_string(scaler) +
                           " out of range (|scaler| <= " + std::to_string(kMaxAbsScaler) + ")");
  }
  return static_cast<int>(scaler);
}

[[gnu::cold]] tl::unexpected<Error> numeric_error(const Obis& code, const Leaf& value) {
  return cosem_error(ErrorCode::decode, value.offset,
                     "value of " + code.to_string() + " is not a finite number");
}

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

ScalerUnit read_scaler_unit(const Value& pair) {
  const auto& kids = *pair.children();
  ScalerUnit out;
  out.scaler_offset = kids[0].offset;
  // Signed tags always fit; the fallback only keeps the out-of-range path honest.
  if (!kids[0].as_int64(out.scaler)) out.scaler = std::numeric_limits<std::int64_t>::max();
  if (!kids[1].as_int64(out.unit)) out.unit = kUnitNone;
  return out;
}

}  // namespace sm::cosem::detail
