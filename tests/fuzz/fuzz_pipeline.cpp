// libFuzzer target: the whole decoding path (framing, security, A-XDR, COSEM) on
// arbitrary bytes, with a key so ciphered frames reach the decoders. Only "input
// rejected" is a normal outcome; sanitizers catch the rest.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pipeline/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sm::pipeline::DecoderOptions options;
  options.keys.encryption = sm::dlms::Key{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                          0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};
  options.explain = size > 0 && (data[0] & 1) != 0;
  sm::pipeline::Decoder decoder(options);
  std::span<const std::uint8_t> input(data, size);
  // Feed in two pieces so the framer's resumption paths are exercised too; every other
  // input into one list, as the exporter does (the second push reuses the first's storage).
  const std::size_t split = size / 2;
  if (size > 0 && (data[0] & 2) != 0) {
    std::vector<sm::pipeline::Outcome> outcomes;
    decoder.push(input.first(split), outcomes);
    decoder.push(input.subspan(split), outcomes);
  } else {
    (void)decoder.push(input.first(split));
    (void)decoder.push(input.subspan(split));
  }
  (void)decoder.finish();
  return 0;
}
