// libFuzzer target: the A-XDR decoder and the length walk on arbitrary bytes.
// Properties checked beyond "no crash, no leak, no UB":
//  - decode_value and encoded_length agree on success and on the bytes one value takes;
//  - the cursor's fast readers (try_integer, try_string and the run readers
//    take_octets_integers, take_registers, take_named_strings) agree with its next(): a
//    walk that takes every value it can through them ends where decode_value ends, or
//    fails with decode_value's error;
//  - the descriptor-item reader (ČEZ, EG.D) agrees with itself with and without items, its
//    items tile the body (descriptor, then one value that encoded_length measures alike),
//    and the COSEM decoder of such pushes never misbehaves (on the input as a body and as an
//    APDU);
//  - the data-notification decoder and the date-time parser never misbehave.
// Only "input rejected" is a normal failure.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/byte_reader.h"
#include "cosem/decode.h"
#include "dlms/apdu.h"
#include "dlms/axdr.h"
#include "dlms/axdr_cursor.h"
#include "dlms/datetime.h"
#include "dlms/descriptor_items.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  sm::dlms::AxdrLimits limits;
  // Small limits on odd-length inputs, so the limit paths are reached quickly too.
  if (size % 2 == 1) {
    limits.max_depth = 4;
    limits.max_elements = 8;
    limits.max_nodes = 32;
    limits.max_string_length = 64;
  }
  // On a quarter of the inputs a node limit that short lists reach (the cursor's fast
  // readers count values on their own path).
  if (size % 4 == 2) limits.max_nodes = 6;
  sm::Annotations notes;
  sm::Annotations* sink = (size % 4 < 2) ? &notes : nullptr;

  sm::ByteReader r(input, sm::Layer::dlms, "fuzz");
  auto value = sm::dlms::decode_value(r, limits, sink);
  auto length = sm::dlms::encoded_length(input, limits);
  if (value.has_value() != length.has_value()) __builtin_trap();
  if (value && *length != r.position()) __builtin_trap();
  if (!value && value.error().code != length.error().code) __builtin_trap();

  sm::ByteReader fast(input, sm::Layer::dlms, "fuzz");
  sm::dlms::AxdrCursor cursor(fast, limits);
  for (;;) {
    sm::dlms::IntegerLeaf integer;
    sm::dlms::StringLeaf string;
    const auto take = [](const auto&...) { return true; };
    if (cursor.take_named_strings(take) > 0 || cursor.take_registers(take) > 0 ||
        cursor.take_octets_integers(6, take) > 0 || cursor.try_integer(integer) ||
        cursor.try_string(string)) {
      continue;
    }
    auto item = cursor.next();
    if (!item) {
      if (value || item.error().describe() != value.error().describe()) __builtin_trap();
      break;
    }
    if (item->kind == sm::dlms::AxdrItem::Kind::end) {
      if (!value || fast.position() != r.position()) __builtin_trap();
      break;
    }
  }

  auto items = sm::dlms::read_descriptor_items(input, 0, limits, true);
  auto items_length = sm::dlms::read_descriptor_items(input, 0, limits, false);
  if (items.has_value() != items_length.has_value()) __builtin_trap();
  if (items) {
    if (items->length != items_length->length || items->length > size) __builtin_trap();
    for (const auto& item : items->items) {
      if (!sm::dlms::plausible_descriptor(item.descriptor.class_id, item.descriptor.attribute) ||
          item.descriptor.offset + 9 != item.value_offset || item.value.empty()) {
        __builtin_trap();
      }
      auto measured = sm::dlms::encoded_length(item.value, limits);
      if (!measured || *measured != item.value.size()) __builtin_trap();
    }
  }
  (void)sm::cosem::decode_descriptor_items(input, limits);

  (void)sm::dlms::decode_data_notification(input, limits, sink);
  if (size >= 12) {
    if (auto dt = sm::dlms::parse_date_time(input.first(12))) {
      (void)dt->iso8601();
      (void)dt->unix_seconds();
    }
  }
  return 0;
}
