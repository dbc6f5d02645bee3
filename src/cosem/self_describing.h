// The self-describing push: the push setup's capture-object list names the values after it
// (Blue Book 4.4.8 "Push setup").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
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

// The values of captured objects (values[i] is object i's) as registers: every value but the
// push setup's and containers; a register's scaler-unit (attribute 3 of classes 3, 4, 5) applied
// to its value; then the implied-unit table the Reading selects, if any. For the self-describing
// push and the descriptor-item push (descriptor_items.cpp), whose items are capture objects.
Result<void> add_captured_values(std::span<const CaptureObject> objects,
                                 std::span<const Value> values, Builder& out);

Result<void> decode_self_describing(const Value& body, const std::vector<CaptureObject>& objects,
                                    Builder& out);

}  // namespace sm::cosem::detail
