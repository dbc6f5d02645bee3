// The descriptor-item body (see descriptor_items.h).
#include "dlms/descriptor_items.h"

#include <string>
#include <string_view>
#include <utility>

#include "common/byte_reader.h"
#include "common/hex.h"
#include "dlms/axdr_cursor.h"

namespace sm::dlms {
namespace {

constexpr std::size_t kItemElements = 2;  // {descriptor, value}
constexpr std::size_t kBodyElements = 2;  // {enum, array}
constexpr std::size_t kOuterLevels = 3;   // body, array, item around each value
constexpr std::size_t kInstanceSize = 6;  // an OBIS code

class BodyReader {
 public:
  BodyReader(std::span<const std::uint8_t> body, std::size_t base, const AxdrLimits& limits)
      : r_(body, Layer::dlms, "descriptor-item body", base), limits_(limits) {}

  Result<DescriptorItemsBody> read(bool with_items) {
    DescriptorItemsBody out;
    if (limits_.max_depth < kOuterLevels) {
      return tl::unexpected(r_.error(ErrorCode::length, "nesting deeper than the limit of " +
                                                            std::to_string(limits_.max_depth)));
    }
    auto fields = container(Tag::structure, "the body structure");
    if (!fields) return tl::unexpected(fields.error());
    if (*fields != kBodyElements)
      return not_this("a body of " + std::to_string(*fields) + " elements");
    if (auto first = enum_leaf(); !first) return tl::unexpected(first.error());
    out.items_offset = r_.offset();
    auto count = container(Tag::array, "the item array");
    if (!count) return tl::unexpected(count.error());
    if (*count == 0) return not_this("an empty item array");
    if (with_items) out.items.reserve(*count);  // bounded: count <= bytes left
    for (std::size_t i = 0; i < *count; ++i) {
      auto item = read_item(i);
      if (!item) return tl::unexpected(item.error());
      recognised_ = true;
      if (with_items) out.items.push_back(*item);
    }
    out.length = r_.position();
    out.recognised = true;
    return out;
  }

  [[nodiscard]] bool recognised() const noexcept { return recognised_; }

 private:
  // A container header of `tag`; its element count, within the limits and the bytes left.
  Result<std::size_t> container(Tag tag, std::string_view name) {
    const std::size_t at = r_.position();
    auto byte = r_.u8();
    if (!byte) return tl::unexpected(byte.error());
    if (*byte != static_cast<std::uint8_t>(tag)) {
      return tl::unexpected(r_.error_at(at, ErrorCode::decode,
                                        std::string(name) + ": expected " +
                                            std::string(tag_name(tag)) + ", got 0x" +
                                            hex_u8(*byte)));
    }
    auto count = read_length(r_);
    if (!count) return tl::unexpected(count.error());
    if (*count > limits_.max_elements) {
      return tl::unexpected(r_.error_at(at, ErrorCode::length,
                                        std::string(name) + ": " + std::to_string(*count) +
                                            " elements exceed the limit of " +
                                            std::to_string(limits_.max_elements)));
    }
    if (*count > r_.remaining()) {  // every element takes a byte at least
      return tl::unexpected(r_.error_at(at, ErrorCode::incomplete,
                                        std::string(name) + ": " + std::to_string(*count) +
                                            " elements do not fit the " +
                                            std::to_string(r_.remaining()) + " bytes left"));
    }
    return count_node(at).map([&] { return *count; });
  }

  Result<void> count_node(std::size_t at) {
    if (++nodes_ > limits_.max_nodes) {
      return tl::unexpected(r_.error_at(
          at, ErrorCode::length, "more than " + std::to_string(limits_.max_nodes) + " values"));
    }
    return {};
  }

  // The enum before the item array.
  Result<void> enum_leaf() {
    const std::size_t at = r_.position();
    auto tag = r_.u8();
    if (!tag) return tl::unexpected(tag.error());
    if (*tag != static_cast<std::uint8_t>(Tag::enum_)) {
      return tl::unexpected(r_.error_at(
          at, ErrorCode::decode, "expected an enum before the items, got 0x" + hex_u8(*tag)));
    }
    if (auto value = r_.u8(); !value) return tl::unexpected(value.error());
    return count_node(at);
  }

  Result<DescriptorItem> read_item(std::size_t index) {
    const std::string item = "item " + std::to_string(index + 1);
    auto elements = container(Tag::structure, item);
    if (!elements) return tl::unexpected(elements.error());
    if (*elements != kItemElements) {
      return tl::unexpected(r_.error(ErrorCode::decode, item + ": a structure of " +
                                                            std::to_string(*elements) +
                                                            " elements, expected {attribute "
                                                            "descriptor, value}"));
    }
    DescriptorItem out;
    out.descriptor.offset = r_.offset();
    auto class_id = r_.u16be();
    if (!class_id) return tl::unexpected(class_id.error());
    auto instance = r_.bytes(kInstanceSize);
    if (!instance) return tl::unexpected(instance.error());
    auto attribute = r_.u8();
    if (!attribute) return tl::unexpected(attribute.error());
    out.descriptor.class_id = *class_id;
    out.descriptor.instance = *instance;
    out.descriptor.attribute = static_cast<std::int8_t>(*attribute);
    if (!plausible_descriptor(out.descriptor.class_id, out.descriptor.attribute)) {
      return tl::unexpected(Error{ErrorCode::decode, Layer::dlms, out.descriptor.offset,
                                  std::string(r_.what()) + ": " + item + ": class-id " +
                                      std::to_string(out.descriptor.class_id) + ", attribute-id " +
                                      std::to_string(out.descriptor.attribute) +
                                      " is no COSEM attribute descriptor"});
    }
    if (auto counted = count_node(out.descriptor.offset); !counted) {
      return tl::unexpected(counted.error());
    }
    return read_value(item, out);
  }

  // The item's value, through the A-XDR cursor, with the depth and values left.
  Result<DescriptorItem> read_value(const std::string& item, DescriptorItem& out) {
    const std::size_t start = r_.position();
    out.value_offset = r_.offset();
    if (r_.empty()) {
      return tl::unexpected(r_.error(ErrorCode::incomplete, item + ": the value is missing"));
    }
    AxdrLimits value_limits = limits_;
    value_limits.max_depth = limits_.max_depth - kOuterLevels;
    value_limits.max_nodes = limits_.max_nodes - nodes_;
    AxdrCursor cursor(r_, value_limits);
    for (AxdrItem step;;) {
      if (!cursor.step(step)) return tl::unexpected(cursor.error());
      if (step.kind == AxdrItem::Kind::end) break;
    }
    nodes_ += cursor.values();
    out.value = r_.all().subspan(start, r_.position() - start);
    return out;
  }

  tl::unexpected<Error> not_this(const std::string& what) {
    return tl::unexpected(r_.error(ErrorCode::decode, "not a descriptor-item list: " + what));
  }

  ByteReader r_;
  const AxdrLimits& limits_;
  std::size_t nodes_{0};
  bool recognised_{false};
};

}  // namespace

Result<DescriptorItemsBody> read_descriptor_items(std::span<const std::uint8_t> body,
                                                  std::size_t base, const AxdrLimits& limits,
                                                  bool with_items, bool* recognised_out) {
  BodyReader reader(body, base, limits);
  auto out = reader.read(with_items);
  if (recognised_out != nullptr) *recognised_out = reader.recognised();
  return out;
}

}  // namespace sm::dlms
