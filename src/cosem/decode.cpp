// Data-notification body (A-XDR value tree) -> Reading.
//
// Three ways to name the values of an A-XDR push body, tried in this order when the profile is
// "auto" (a body whose values are named by untagged attribute descriptors is no A-XDR value:
// descriptor_items.cpp reads it from the APDU's bytes):
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
//
// This file dispatches; the concerns are apart: shape.cpp (errors), leaf.cpp (leaves and
// scalers), builder.cpp (the Reading under construction), self_describing.cpp,
// positional.cpp, obis_walk.cpp, and direct_walk.cpp (the OBIS walk over the bytes).
#include "cosem/decode.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "cosem/builder.h"
#include "cosem/direct_walk.h"
#include "cosem/implied_units.h"
#include "cosem/obis_walk.h"
#include "cosem/positional.h"
#include "cosem/profiles.h"
#include "cosem/self_describing.h"
#include "cosem/shape.h"

namespace sm::cosem {
namespace {

using namespace detail;  // NOLINT: the parts of the decoder (src/cosem/*.h)

// Profile names accepted besides the positional ones and the list-id scaler tables.
constexpr std::string_view kAuto = "auto";
constexpr std::string_view kSelfDescribing = "self-describing";
constexpr std::string_view kDsmr = "dsmr";
constexpr std::array kWalkProfiles{kObisTagged, kEvn};

// The same set as profile_names(), without building it (this runs for every frame).
bool is_known_profile(std::string_view name) {
  if (name == kAuto || name == kSelfDescribing || name == kDsmr ||
      name == kDescriptorItemsProfile || is_positional_profile(name)) {
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

}  // namespace

Result<Reading> decode_notification(const dlms::DataNotification& notification,
                                    const DecodeOptions& options) {
  const std::string_view wanted = options.profile;
  const bool automatic = wanted == kAuto;
  const Value& body = notification.body;
  if (!automatic && !is_known_profile(wanted)) {
    return cosem_error(ErrorCode::unsupported, 0, "unknown profile '" + std::string(wanted) + "'");
  }

  if (wanted == kDescriptorItemsProfile) {  // an A-XDR body: not of that layout
    return unrecognised(body,
                        "profile descriptor-items needs items named by attribute descriptors");
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
  std::vector<std::string_view> names{
      kAuto, kObisTagged, kEvn, kSelfDescribing, kDescriptorItemsProfile, kDsmr};
  auto add_unique = [&names](std::string_view name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const auto& table : profiles::list_scaler_tables()) add_unique(table.profile);
  for (const auto& layout : profiles::positional_layouts()) add_unique(layout.profile);
  return names;
}

}  // namespace sm::cosem
