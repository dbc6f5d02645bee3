// gzip for responses (RFC 9110 8.4, 12.5.3): Prometheus sends `Accept-Encoding: gzip` on every
// scrape, and a /metrics page of a few KiB shrinks to a fifth. zlib does the compressing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sm::http {

// Whether an Accept-Encoding value allows gzip: a `gzip` (or `x-gzip`, or `*`) token whose
// q-value is not 0. Case-insensitive; an absent header means no.
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding) noexcept;

// The gzip member (RFC 1952) holding `data`; nullopt if zlib fails (out of memory).
[[nodiscard]] std::optional<std::string> gzip_compress(std::string_view data);

}  // namespace sm::http
