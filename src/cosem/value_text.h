// Text forms of COSEM values shared by the A-XDR and DSMR decoders (internal to cosem/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/text.h"
#include "dlms/datetime.h"

namespace sm::cosem {

// True when every byte is printable ASCII (0x20..0x7E); true for an empty span.
[[nodiscard]] bool is_printable_ascii(std::span<const std::uint8_t> bytes) noexcept;

// String value as text: printable ASCII as is (trailing NUL padding dropped), anything
// else as upper-case hex, so that labels never carry control bytes.
[[nodiscard]] Text bytes_text(std::span<const std::uint8_t> bytes);

// When `text` is hex digits that spell printable ASCII ("53414731..." -> "SAG1..."), the
// decoded string; otherwise nullopt. DSMR sends ids and device names this way.
[[nodiscard]] std::optional<std::string> decode_hex_ascii(std::string_view text);

// COSEM date (5 bytes: year(2) month day weekday) + time (4 bytes: hour minute second
// hundredths) sent as two values (Kärnten/Wels lists) -> one date-time without deviation.
[[nodiscard]] std::optional<dlms::DateTime> join_date_and_time(std::span<const std::uint8_t> date,
                                                               std::span<const std::uint8_t> time);

}  // namespace sm::cosem
