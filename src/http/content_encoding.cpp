#include "http/content_encoding.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <zlib.h>

#include "common/ascii.h"

namespace sm::http {
namespace {

// A qvalue (RFC 9110 12.4.2) of zero: "0", "0.", "0.0", "0.00", "0.000".
bool is_zero_qvalue(std::string_view q) noexcept {
  if (q.empty() || q.front() != '0') return false;
  q.remove_prefix(1);
  if (q.empty()) return true;
  if (q.front() != '.' || q.size() > 4) return false;
  return std::all_of(q.begin() + 1, q.end(), [](char c) { return c == '0'; });
}

// zlib: window bits 15 plus 16 selects the gzip wrapper instead of zlib's own.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemoryLevel = 8;  // zlib's default

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) noexcept {
  bool any = false;
  while (!accept_encoding.empty()) {
    const std::size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    const std::size_t semicolon = item.find(';');
    const std::string_view coding = trim_blanks(item.substr(0, semicolon));
    bool refused = false;
    if (semicolon != std::string_view::npos) {
      const std::string_view parameter = trim_blanks(item.substr(semicolon + 1));
      if (parameter.size() >= 2 && (parameter[0] == 'q' || parameter[0] == 'Q') &&
          parameter[1] == '=') {
        refused = is_zero_qvalue(trim_blanks(parameter.substr(2)));
      }
    }
    // An explicit gzip entry wins over `*`, whichever way round they come.
    if (equals_ignoring_ascii_case(coding, "gzip") ||
        equals_ignoring_ascii_case(coding, "x-gzip")) {
      return !refused;
    }
    if (coding == "*") any = !refused;
  }
  return any;
}

std::optional<std::string> gzip_compress(std::string_view data) {
  if (data.size() > std::numeric_limits<uInt>::max()) return std::nullopt;
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemoryLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  // zlib's C interface takes bytes as Bytef* and is not const-correct; it only reads next_in.
  stream.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);  // deflateBound leaves room for all of it
  const std::size_t written = stream.total_out;
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace sm::http
