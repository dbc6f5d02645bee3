// Errors of the COSEM decoder, and the shape of a body as their messages name it.
#include "cosem/shape.h"

#include <algorithm>
#include <utility>

namespace sm::cosem::detail {

constexpr std::size_t kShapeElementsShown = 16;

[[gnu::cold]] tl::unexpected<Error> cosem_error(ErrorCode code, std::size_t offset,
                                                std::string message) {
  return fail(code, Layer::cosem, offset, std::move(message));
}

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

Result<Reading> unrecognised(const Value& body, std::string_view detail,
                             std::optional<std::size_t> offset) {
  std::string message = "body shape not recognised: " + describe_shape(body);
  if (!detail.empty()) message += ": " + std::string(detail);
  return cosem_error(ErrorCode::unsupported, offset.value_or(body.offset), std::move(message));
}

}  // namespace sm::cosem::detail
