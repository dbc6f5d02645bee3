// The cursor's cold paths: the complete header check with every error, and the limit
// and short-content errors (see axdr_cursor.h).
#include "dlms/axdr_cursor.h"

#include <string>

#include "common/hex.h"

namespace sm::dlms {
namespace axdr_detail {

[[gnu::noinline]] Result<Header> read_header_checked(ByteReader& r, const AxdrLimits& limits) {
  Header h;
  h.start = r.position();
  auto tag = r.u8();
  if (!tag) return tl::unexpected(tag.error());
  h.info = find_tag(*tag);
  if (h.info == nullptr) {
    return tl::unexpected(
        r.error_at(h.start, ErrorCode::decode, "unknown A-XDR tag 0x" + hex_u8(*tag)));
  }
  switch (h.info->kind) {
    case Kind::container: {
      auto n = read_length(r);
      if (!n) return tl::unexpected(n.error());
      if (*n > limits.max_elements) {
        return tl::unexpected(r.error_at(h.start, ErrorCode::length,
                                         std::string(h.info->name) + " of " + std::to_string(*n) +
                                             " elements exceeds the limit of " +
                                             std::to_string(limits.max_elements)));
      }
      // Every element takes at least one byte (its tag).
      if (*n > r.remaining()) {
        return tl::unexpected(r.error_at(h.start, ErrorCode::incomplete,
                                         std::string(h.info->name) + " of " + std::to_string(*n) +
                                             " elements, only " + std::to_string(r.remaining()) +
                                             " bytes left"));
      }
      h.count = *n;
      break;
    }
    case Kind::octets:
    case Kind::bits: {
      auto n = read_length(r);
      if (!n) return tl::unexpected(n.error());
      std::size_t bytes = *n;
      if (h.info->kind == Kind::bits) {
        h.bits = *n;
        bytes = *n / 8 + ((*n % 8) != 0 ? 1 : 0);
      }
      if (bytes > limits.max_string_length) {
        return tl::unexpected(r.error_at(
            h.start, ErrorCode::length,
            std::string(h.info->name) + " of " + std::to_string(bytes) +
                " bytes exceeds the limit of " + std::to_string(limits.max_string_length)));
      }
      h.count = bytes;
      break;
    }
    default:
      h.count = h.info->width;
      break;
  }
  return h;
}

}  // namespace axdr_detail

// The headers read_header_fast() leaves (long lengths, bit-strings) and every header error.
bool AxdrCursor::read_header_slow(axdr_detail::Header& h) {
  auto checked = axdr_detail::read_header_checked(r_, limits_);
  if (!checked) {
    error_ = std::move(checked.error());
    return false;
  }
  h = *checked;
  return true;
}

bool AxdrCursor::too_many_nodes(const axdr_detail::Header& h) {
  error_ = r_.error_at(h.start, ErrorCode::length,
                       "more than " + std::to_string(limits_.max_nodes) + " A-XDR values");
  return false;
}

bool AxdrCursor::too_deep(const axdr_detail::Header& h) {
  error_ = r_.error_at(h.start, ErrorCode::length,
                       "A-XDR nesting deeper than " + std::to_string(limits_.max_depth));
  return false;
}

// Content cut short: the error the reader's own checked read gives, named after the tag.
bool AxdrCursor::short_content(const axdr_detail::Header& h) {
  ByteReader named = r_;
  named.set_what(h.info->name);
  error_ = named.bytes(h.count).error();
  return false;
}

}  // namespace sm::dlms
