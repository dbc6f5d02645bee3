// Positional layouts: bodies without OBIS codes, named by position.
#include "cosem/positional.h"

#include <algorithm>

#include "cosem/value_text.h"

namespace sm::cosem::detail {
namespace {

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

// The COSEM logical device name (Blue Book 4.1.8.2): 16 bytes, the three-letter
// manufacturer (FLAG) id first.
constexpr std::size_t kDeviceNameSize = 16;

bool is_device_name(const Value& value, std::string_view flag_id) {
  const auto* data = value.bytes();
  return value.tag == Tag::octet_string && data != nullptr && data->size() == kDeviceNameSize &&
         !flag_id.empty() &&
         std::equal(flag_id.begin(), flag_id.end(), data->begin(),
                    [](char c, std::uint8_t byte) { return byte == static_cast<std::uint8_t>(c); });
}

bool field_matches(const profiles::FieldSpec& field, const Value& value,
                   const profiles::PositionalLayout& layout) {
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
      return bytes_equal(value, layout.list_id);
    case Field::unused_text:
      return value.is_octets();
    case Field::device_name:
      return is_device_name(value, layout.flag_id);
  }
  return false;
}

}  // namespace

const profiles::PositionalLayout* match_layout(const Value& body, std::string_view only_profile) {
  const auto* kids = body.children();
  if (kids == nullptr || body.tag != Tag::structure) return nullptr;
  for (const auto& layout : profiles::positional_layouts()) {
    if (!only_profile.empty() && layout.profile != only_profile) continue;
    if (layout.fields.size() != kids->size()) continue;
    bool all_match = true;
    for (std::size_t i = 0; i < kids->size() && all_match; ++i) {
      all_match = field_matches(layout.fields[i], (*kids)[i], layout);
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
      case Field::device_name:
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

bool is_positional_profile(std::string_view name) {
  const auto layouts = profiles::positional_layouts();
  return std::any_of(layouts.begin(), layouts.end(),
                     [name](const auto& layout) { return layout.profile == name; });
}

}  // namespace sm::cosem::detail
