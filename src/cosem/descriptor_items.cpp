// The descriptor-item push (ČEZ Distribuce, EG.D; wire layout in dlms/descriptor_items.h):
// each value is named by the COSEM attribute descriptor before it, which is a capture object
// as a push setup lists them, so the items become registers exactly as the values of a
// self-describing push do (add_captured_values()). Its registers carry no scaler-unit (the
// register's attribute 3 is not pushed); profiles.cpp's implied-unit table for this layout
// gives the units the operators document.
#include "dlms/descriptor_items.h"

#include <string>
#include <utility>
#include <vector>

#include "common/byte_reader.h"
#include "cosem/builder.h"
#include "cosem/decode.h"
#include "cosem/implied_units.h"
#include "cosem/self_describing.h"
#include "dlms/apdu.h"
#include "dlms/apdu_tags.h"

namespace sm::cosem {
namespace {

using namespace detail;  // NOLINT: the parts of the decoder (src/cosem/*.h)

Result<Reading> build(const dlms::NotificationHeader& header,
                      const std::vector<dlms::DescriptorItem>& items,
                      const dlms::AxdrLimits& limits) {
  std::vector<CaptureObject> objects;
  std::vector<Value> values;
  objects.reserve(items.size());
  values.reserve(items.size());
  for (const auto& item : items) {
    CaptureObject object;
    object.class_id = item.descriptor.class_id;
    object.code = *Obis::from_bytes(item.descriptor.instance);
    object.attribute = item.descriptor.attribute;
    objects.push_back(object);
    ByteReader r(item.value, Layer::dlms, "descriptor-item value", item.value_offset);
    auto value = dlms::decode_value(r, limits);
    if (!value) return tl::unexpected(value.error());
    values.push_back(std::move(*value));
  }
  Reading reading;
  Builder out(reading);
  if (!header.date_time.empty()) out.header_time = dlms::try_parse_date_time(header.date_time);
  reading.profile = std::string(kDescriptorItemsProfile);  // selects its implied-unit table
  if (auto added = add_captured_values(objects, values, out); !added) {
    return tl::unexpected(added.error());
  }
  if (reading.registers.empty()) {
    return cosem_error(ErrorCode::unsupported, header.body_offset,
                       "descriptor-item push without register values");
  }
  finish(out);
  return reading;
}

}  // namespace

std::optional<Result<Reading>> decode_descriptor_items(std::span<const std::uint8_t> apdu,
                                                       const dlms::AxdrLimits& limits,
                                                       const DecodeOptions& options) {
  // "descriptor-items", or the name of its implied-unit table.
  const auto* table = scaler_table_named(options.profile);
  const bool forced = options.profile == kDescriptorItemsProfile ||
                      (table != nullptr && table->layout == kDescriptorItemsProfile);
  if (!forced && options.profile != "auto") return std::nullopt;
  if (byte_at(apdu, 0) != dlms::apdu_tag::data_notification) return std::nullopt;
  ByteReader r(apdu, Layer::dlms, "data-notification");
  const auto header = dlms::read_notification_header(r);
  if (!header) return std::nullopt;  // the general path reports it
  bool recognised = false;
  auto body = dlms::read_descriptor_items(r.rest(), header->body_offset, limits, true, &recognised);
  if (!body) {
    if (recognised) return Result<Reading>(tl::unexpected(body.error()));
    if (!forced) return std::nullopt;
    return Result<Reading>(cosem_error(ErrorCode::unsupported, body.error().offset,
                                       "profile " + std::string(kDescriptorItemsProfile) +
                                           " needs items named by attribute "
                                           "descriptors: " +
                                           body.error().message));
  }
  if (const std::size_t after = r.remaining() - body->length; after != 0) {
    return Result<Reading>(tl::unexpected(Error{
        ErrorCode::decode, Layer::dlms, header->body_offset + body->length,
        "data-notification: " + std::to_string(after) + " bytes follow the notification body"}));
  }
  return build(*header, body->items, limits);
}

}  // namespace sm::cosem
