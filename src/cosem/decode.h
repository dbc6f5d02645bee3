// COSEM layer: value tree (or DSMR text) -> Reading.
//
// OBIS-tagged bodies are walked generically (flat, nested, with or without scaler-unit).
// Bodies without OBIS codes are matched against positional profiles — tables in
// profiles.cpp, not code. Self-describing pushes (capture-object list, then values)
// take their OBIS codes from the list.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "cosem/reading.h"
#include "dlms/apdu.h"

namespace sm::cosem {

struct DecodeOptions {
  std::string profile = "auto";  // --meter.profile: "auto" or a profile name from profiles()
};

// Data-notification -> Reading. The header date-time, when present, is the meter time.
Result<Reading> decode_notification(const dlms::DataNotification& notification,
                                    const DecodeOptions& options = {});

// The Reading of decode_data_notification() + decode_notification() for the common
// pushes (flat and nested OBIS lists, profile "auto"), decoded straight from the
// plaintext APDU into `reading` without building the value tree (replaced when true;
// unspecified when false). False for any other shape and for anything that does not
// decode: the general path then gives the same Reading, or the error with its exact
// message.
[[nodiscard]] bool decode_common_notification(std::span<const std::uint8_t> apdu,
                                              const dlms::AxdrLimits& limits,
                                              const DecodeOptions& options, Reading& reading);

// The profile of data-notifications whose items are {attribute descriptor, value}
// (dlms/descriptor_items.h: ČEZ Distribuce, EG.D).
inline constexpr std::string_view kDescriptorItemsProfile = "descriptor-items";

// A data-notification whose body is a descriptor-item list -> Reading, for profile "auto" and
// "descriptor-items". nullopt when the APDU is not of that layout (with "auto"; the general
// path then decodes it or reports its error); the layout's error once its first item was
// read (a cut descriptor, an implausible class-id or attribute-id, a missing value, an item
// of another shape); with "descriptor-items", `unsupported` for any other body.
std::optional<Result<Reading>> decode_descriptor_items(std::span<const std::uint8_t> apdu,
                                                       const dlms::AxdrLimits& limits,
                                                       const DecodeOptions& options = {});

// True when the plaintext looks like a DSMR P1 telegram ("/XXX5…\r\n … !CRC").
[[nodiscard]] bool looks_like_dsmr(std::span<const std::uint8_t> plaintext) noexcept;

// DSMR P1 telegram (Steiermark, Luxembourg) -> Reading (units kWh/kW/kvarh converted
// to Wh/W/varh with the scaler). CRC16 checked when present.
Result<Reading> decode_dsmr(std::string_view telegram);

// Every name DecodeOptions::profile accepts ("auto" first, then the OBIS-walk profiles,
// "self-describing", "dsmr", the list-id scaler tables and the positional profiles),
// for --meter.profile validation and `diagnose`.
[[nodiscard]] std::vector<std::string_view> profile_names();

}  // namespace sm::cosem
