// OBIS codes (IEC 62056-61): six value groups A-B:C.D.E*F.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sm::cosem {

struct Obis {
  std::array<std::uint8_t, 6> v{};
  constexpr auto operator<=>(const Obis&) const = default;
  // "1.0.32.7.0.255" (always six dot-separated numbers)
  [[nodiscard]] std::string to_string() const;
  // Accepts "1.0.32.7.0.255", "1-0:32.7.0*255", "1-0:32.7.0" (F = 255), "32.7.0" (A=1,B=0,F=255)
  static std::optional<Obis> parse(std::string_view text);
  static std::optional<Obis> from_bytes(std::span<const std::uint8_t> six);
};

constexpr Obis obis(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e,
                    std::uint8_t f = 255) {
  return Obis{{a, b, c, d, e, f}};
}

}  // namespace sm::cosem
