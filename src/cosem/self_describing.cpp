// The self-describing push: the push setup's capture-object list names the values after it.
#include "cosem/self_describing.h"

#include <algorithm>

#include "cosem/implied_units.h"

namespace sm::cosem::detail {
namespace {

// COSEM interface classes (Blue Book 4.1.2) used by the self-describing decoder.
constexpr std::int64_t kClassRegister = 3;
constexpr std::int64_t kClassExtendedRegister = 4;
constexpr std::int64_t kClassDemandRegister = 5;
constexpr std::int64_t kClassClock = 8;
constexpr std::int64_t kClassPushSetup = 40;
constexpr std::int64_t kAttributeValue = 2;
constexpr std::int64_t kAttributeScalerUnit = 3;

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

// True when the list captures attribute 2 (the value) of this object.
bool captures_value_of(std::span<const CaptureObject> objects, const Obis& code) {
  return std::any_of(objects.begin(), objects.end(), [&code](const CaptureObject& object) {
    return object.code == code && object.attribute == kAttributeValue;
  });
}

}  // namespace

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

Result<void> add_captured_values(std::span<const CaptureObject> objects,
                                 std::span<const Value> values, Builder& out) {
  struct CapturedScalerUnit {
    Obis code;
    const Value* pair;
  };
  std::vector<CapturedScalerUnit> scaler_units;
  for (std::size_t i = 0; i < objects.size() && i < values.size(); ++i) {
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
  mark_as_sent(out);
  if (const auto* table = select_scaler_table(out.reading)) {
    (void)apply_scaler_table(*table, out.reading);
  }
  return {};
}

Result<void> decode_self_describing(const Value& body, const std::vector<CaptureObject>& objects,
                                    Builder& out) {
  // Element 0 is the value of capture object 0: the push setup's own object list.
  const std::span<const Value> values(*body.children());
  if (auto added = add_captured_values(std::span(objects).subspan(1), values.subspan(1), out);
      !added) {
    return added;
  }
  if (out.reading.registers.empty()) {
    return cosem_error(ErrorCode::unsupported, body.offset,
                       "self-describing push without register values");
  }
  return {};
}

}  // namespace sm::cosem::detail
