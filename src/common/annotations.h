// Annotated byte ranges, collected by the parsers for `decode --format explain`
// (each byte consumed says which layer read it and what it meant).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

// Offsets are in the coordinate space named by `space`: "stream" for link-layer bytes,
// "apdu" for the reassembled APDU, "plaintext" for the deciphered APDU.
struct Annotation {
  std::string_view space;
  std::size_t offset{0};
  std::size_t length{0};
  std::string_view layer;  // "mbus", "hdlc", "llc", "gbt", "wrapper", "security", "axdr", ...
  std::string meaning;
};
using Annotations = std::vector<Annotation>;

// Appends when `notes` is non-null; parsers take an optional sink and call this.
inline void annotate(Annotations* notes, std::string_view space, std::size_t offset,
                     std::size_t length, std::string_view layer, std::string meaning) {
  if (notes != nullptr) notes->push_back({space, offset, length, layer, std::move(meaning)});
}

}  // namespace sm
