#pragma once
#include <string_view>

namespace sm::app {
std::string_view version();
std::string_view revision();
std::string_view compiler();
}  // namespace sm::app
