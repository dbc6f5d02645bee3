// OBIS codes (IEC 62056-61 / Blue Book 7.x): printing and parsing.
#include "cosem/obis.h"

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>

namespace sm::cosem {
namespace {

// One value group: 1 to 3 decimal digits, 0..255. No signs, no spaces.
std::optional<std::uint8_t> parse_group(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 255) return std::nullopt;
  return static_cast<std::uint8_t>(value);
}

// Splits `text` at every `separator`; returns nullopt unless there are exactly N groups.
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> parse_groups(std::string_view text, char separator) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    const std::size_t cut = text.find(separator);
    const bool last = i + 1 == N;
    if (last != (cut == std::string_view::npos)) return std::nullopt;  // too few or too many
    auto group = parse_group(text.substr(0, cut));
    if (!group) return std::nullopt;
    out[i] = *group;
    if (!last) text.remove_prefix(cut + 1);
  }
  return out;
}

}  // namespace

std::string Obis::to_string() const {
  std::string out;
  out.reserve(24);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out.push_back('.');
    out += std::to_string(v[i]);
  }
  return out;
}

// Accepted spellings (the first is ours; the others are how meters and DSMR print them):
//   "1.0.32.7.0.255"   six dot-separated groups
//   "1-0:32.7.0*255"   A-B:C.D.E*F (IEC 62056-61 reduced ID codes)
//   "1-0:32.7.0.255"   the same with a dot before F (seen in meter manuals)
//   "1-0:32.7.0"       F omitted = 255
//   "32.7.0"           C.D.E only: electricity (A=1), channel 0 (B=0), F=255
std::optional<Obis> Obis::parse(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    auto ab = parse_groups<2>(text.substr(0, colon), '-');
    if (!ab) return std::nullopt;
    std::string_view rest = text.substr(colon + 1);
    std::uint8_t f = 255;
    if (const std::size_t star = rest.find('*'); star != std::string_view::npos) {
      auto parsed_f = parse_group(rest.substr(star + 1));
      if (!parsed_f) return std::nullopt;
      f = *parsed_f;
      rest = rest.substr(0, star);
      auto cde = parse_groups<3>(rest, '.');
      if (!cde) return std::nullopt;
      return Obis{{(*ab)[0], (*ab)[1], (*cde)[0], (*cde)[1], (*cde)[2], f}};
    }
    if (auto cdef = parse_groups<4>(rest, '.')) {
      return Obis{{(*ab)[0], (*ab)[1], (*cdef)[0], (*cdef)[1], (*cdef)[2], (*cdef)[3]}};
    }
    auto cde = parse_groups<3>(rest, '.');
    if (!cde) return std::nullopt;
    return Obis{{(*ab)[0], (*ab)[1], (*cde)[0], (*cde)[1], (*cde)[2], f}};
  }
  if (auto six = parse_groups<6>(text, '.')) return Obis{*six};
  if (auto cde = parse_groups<3>(text, '.')) return obis(1, 0, (*cde)[0], (*cde)[1], (*cde)[2]);
  return std::nullopt;
}

}  // namespace sm::cosem
