// libFuzzer target: the DLMS security layer (general-glo/ded-ciphering) with fixed keys.
// Properties checked beyond "no crash, no leak, no UB":
//  - unprotect() on arbitrary bytes, with both keys, with only the EK and with none;
//  - protect() then unprotect() gives the input back, for every SC we build, and the
//    tag is verified exactly when the SC asks for one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dlms/security.h"

namespace {
const sm::dlms::Key kEk{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                        0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
const sm::dlms::Key kAk{0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                        0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const sm::dlms::Keys both{kEk, kAk};
  const sm::dlms::Keys ek_only{kEk, std::nullopt};
  const sm::dlms::Keys none{};

  sm::Annotations notes;
  (void)sm::dlms::unprotect(input, both, &notes);
  (void)sm::dlms::unprotect(input, ek_only);
  (void)sm::dlms::unprotect(input, none);

  // Round trip: first byte picks the SC, the rest is the plaintext.
  if (size >= 1) {
    static constexpr std::uint8_t kControls[] = {0x00, 0x10, 0x20, 0x21, 0x30, 0x31, 0x70, 0x22};
    const std::uint8_t sc = kControls[data[0] % sizeof kControls];
    const sm::dlms::SystemTitle title{0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E};
    const auto plaintext = input.subspan(1);
    auto p = sm::dlms::protect(plaintext, title, static_cast<std::uint32_t>(size), sc, both);
    if (sc == 0x22) {
      if (p) __builtin_trap();  // suite 2 is refused
    } else {
      if (!p) __builtin_trap();
      auto u = sm::dlms::unprotect(*p, both);
      if (!u) __builtin_trap();
      if (!std::equal(u->plaintext.begin(), u->plaintext.end(), plaintext.begin(),
                      plaintext.end())) {
        __builtin_trap();
      }
      if (u->tag_verified != ((sc & 0x10) != 0)) __builtin_trap();
    }
  }
  return 0;
}
