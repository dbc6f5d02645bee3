// Positional layouts: bodies without OBIS codes, matched against the tables of profiles.cpp
// by element count and types, their values named by position.
#pragma once

#include <string_view>

#include "cosem/builder.h"
#include "cosem/profiles.h"

namespace sm::cosem::detail {

// The layout (of `only_profile`, or any when empty) that `body` matches exactly, or null.
const profiles::PositionalLayout* match_layout(const Value& body, std::string_view only_profile);

Result<void> apply_layout(const profiles::PositionalLayout& layout, const Value& body,
                          Builder& out);

bool is_positional_profile(std::string_view name);

}  // namespace sm::cosem::detail
