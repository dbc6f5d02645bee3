// The self-describing push: the push setup's capture-object list names the values after it
// (Blue Book 4.4.8 "Push setup").
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cosem/builder.h"

namespace sm::cosem::detail {

struct CaptureObject {
  std::int64_t class_id{0};
  Obis code;
  std::int64_t attribute{0};
};

// The capture-object list when the body is {array of N capture objects, N - 1 values}.
std::optional<std::vector<CaptureObject>> capture_list_of(const Value& body);

Result<void> decode_self_describing(const Value& body, const std::vector<CaptureObject>& objects,
                                    Builder& out);

}  // namespace sm::cosem::detail
