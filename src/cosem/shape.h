// Errors of the COSEM decoder, and the shape of a body as their messages name it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "cosem/reading.h"
#include "dlms/axdr.h"

namespace sm::cosem::detail {

using dlms::Tag;
using dlms::Value;

[[gnu::cold]] tl::unexpected<Error> cosem_error(ErrorCode code, std::size_t offset,
                                                std::string message);

// "octet-string(6)", "structure(2)": a type and, for strings and containers, its size.
std::string type_name(Tag tag, std::optional<std::size_t> size);
std::string type_name(const Value& value);
// A container's type, size and the types of its first elements.
std::string describe_shape(const Value& body);

// `unsupported`: the body's shape, then `detail`.
Result<Reading> unrecognised(const Value& body, std::string_view detail,
                             std::optional<std::size_t> offset = std::nullopt);

}  // namespace sm::cosem::detail
