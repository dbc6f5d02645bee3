// OBIS codes (IEC 62056-61): six value groups A-B:C.D.E*F.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sm::cosem {

struct Obis {
  std::array<std::uint8_t, 6> v{};
  constexpr auto operator<=>(const Obis&) const = default;
  // Spelled out: the defaulted one compares through a memcmp call (codes are compared
  // for every register of every frame).
  constexpr bool operator==(const Obis& other) const noexcept {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] != other.v[i]) return false;
    }
    return true;
  }
  // "1.0.32.7.0.255" (always six dot-separated numbers)
  [[nodiscard]] std::string to_string() const;
  // Accepts "1.0.32.7.0.255", "1-0:32.7.0*255", "1-0:32.7.0" (F = 255), "32.7.0" (A=1,B=0,F=255)
  static std::optional<Obis> parse(std::string_view text);
  static constexpr std::optional<Obis> from_bytes(std::span<const std::uint8_t> six) noexcept {
    if (six.size() != 6) return std::nullopt;
    Obis code;
    for (std::size_t i = 0; i < 6; ++i) code.v[i] = six[i];
    return code;
  }
};

constexpr Obis obis(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e,
                    std::uint8_t f = 255) {
  return Obis{{a, b, c, d, e, f}};
}

}  // namespace sm::cosem
