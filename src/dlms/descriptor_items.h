// Data-notification bodies whose items name their values with an untagged COSEM attribute
// descriptor (the push of the Sagemcom XT211 at ČEZ Distribuce and of the meters at EG.D,
// Czechia):
//
//   structure(2) {
//     enum,                                    -- 1 in every capture; meaning not documented
//     array(N) of structure(2) {
//       class-id (Unsigned16), instance-id (6-byte OBIS code), attribute-id (Integer8),
//                                              -- untagged: Green Book Cosem-Attribute-Descriptor
//       value                                  -- one tagged A-XDR Data value
//     } }
//
// The descriptor carries no A-XDR tags, so the body is no A-XDR value and decode_value()
// cannot read it; this is the one reader of that layout, for the framer (its length) and the
// COSEM layer (its items). Values are read through the A-XDR cursor (axdr_cursor.h) with the
// caller's limits: the body, its array, its items and their values count against max_nodes
// and max_depth as if the descriptors were values too.
//
// Sources: esphome-libs/dlms_parser tests/dumps/raw_sagecom_xt211_decoded.log and
// raw_egd_example_decoded.xml @c1645973e8a012efd8cb93ad585f02fd211317cf (Gurux translator:
// <AttributeDescriptor><ClassId/><InstanceId/><AttributeId/></AttributeDescriptor> then the value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "dlms/axdr.h"

namespace sm::dlms {

struct AttributeDescriptor {
  std::uint16_t class_id{0};
  std::span<const std::uint8_t> instance;  // the 6 bytes of the OBIS code
  std::int8_t attribute{0};
  std::size_t offset{0};  // absolute offset of the class-id
};

struct DescriptorItem {
  AttributeDescriptor descriptor;
  std::span<const std::uint8_t> value;  // the encoded value, its tag first
  std::size_t value_offset{0};          // absolute offset of the value's tag
};

struct DescriptorItemsBody {
  std::size_t length{0};              // bytes of the body
  std::size_t items_offset{0};        // absolute offset of the array's tag
  std::vector<DescriptorItem> items;  // only when asked for
  // Whether the body's header and its first item were of this layout: an error after that
  // is this layout's (a truncated descriptor, a mixed list); before it, the body is simply
  // of another layout.
  bool recognised{false};
};

// A descriptor the layout accepts: a class-id of an interface class the Blue Book specifies
// (1..255: the DLMS UA reserves 0..8191 for its classes, and all it has specified so far lie
// below 256; 0 is none) and a positive attribute-id (0 means "all attributes", negative ones are
// manufacturer-specific; neither names one pushed value). The bound also tells an OBIS-tagged
// item (09 06 ...: class-id 2310) from a descriptor, so a mixed list is an error.
[[nodiscard]] constexpr bool plausible_descriptor(std::uint16_t class_id,
                                                  std::int8_t attribute) noexcept {
  constexpr std::uint16_t kMaxClassId = 255;
  return class_id != 0 && class_id <= kMaxClassId && attribute > 0;
}

// Reads the body that starts at `body` (absolute offset `base`), with its items when
// `with_items`. Errors: incomplete (the bytes end first); decode (not this layout, or an
// implausible descriptor, a value missing, an item of another shape); length (a limit).
// `recognised` in the error case is reported through `recognised_out` (may be null).
Result<DescriptorItemsBody> read_descriptor_items(std::span<const std::uint8_t> body,
                                                  std::size_t base, const AxdrLimits& limits,
                                                  bool with_items, bool* recognised_out = nullptr);

}  // namespace sm::dlms
