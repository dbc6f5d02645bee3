// A fixed number of Decoder::push calls on one of the benchmark bursts, for instruction
// counts that do not depend on the machine's load:
//   valgrind --tool=callgrind build/tests/bench/pipeline_count ksm 2000   (and 1000)
// (total instructions of the two runs, subtracted, / 1000 = instructions per burst,
// including the destruction of the Outcomes). `aes` runs bare AES-128-CTR over the
// burst's ciphertext instead: pipeline_count aes-ksm|aes-e450 N. A third argument counts
// one layer alone, as pipeline_bench times it: framing, unprotect or decode.
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "bursts.h"

namespace {

std::size_t count_layer(const sm::bench::Burst& burst, std::string_view layer, long pushes) {
  std::size_t done = 0;
  if (layer == "framing") {
    sm::frame::StreamFramer framer(burst.options.framer, sm::frame::Annotate::no);
    for (long i = 0; i < pushes; ++i) done += framer.push(burst.wire).size();
  } else if (layer == "unprotect") {
    for (long i = 0; i < pushes; ++i) {
      done += sm::dlms::unprotect(burst.apdu, burst.options.keys).has_value() ? 1 : 0;
    }
  } else if (layer == "decode") {
    for (long i = 0; i < pushes; ++i) done += sm::bench::decode_plaintext(burst) ? 1 : 0;
  }
  return done;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(
        stderr,
        "usage: pipeline_count ksm|e450|aes-ksm|aes-e450 PUSHES [framing|unprotect|decode]\n");
    return 2;
  }
  const std::string_view which = argv[1];
  const long pushes = std::strtol(argv[2], nullptr, 10);
  const bool ksm = which == "ksm" || which == "aes-ksm";
  if (!ksm && which != "e450" && which != "aes-e450") return 2;
  const sm::bench::Burst& burst = ksm ? sm::bench::ksm_west() : sm::bench::e450_gbt();
  std::size_t decoded = 0;
  if (argc == 4) {
    decoded = count_layer(burst, argv[3], pushes);
    std::printf("%zu done\n", decoded);
    return decoded == static_cast<std::size_t>(pushes) ? 0 : 1;
  }
  if (which.starts_with("aes-")) {
    sm::bench::BareCtr ctr(burst.ciphertext_bytes);
    for (long i = 0; i < pushes; ++i) {
      ctr.run();
      decoded += ctr.bytes()[0] & 1U;
    }
    std::printf("%zu\n", decoded);
    return 0;
  }
  sm::pipeline::Decoder decoder(burst.options);
  std::vector<sm::pipeline::Outcome> outcomes;  // reused, as the exporter does
  for (long i = 0; i < pushes; ++i) {
    decoder.push(burst.wire, outcomes);
    for (const auto& outcome : outcomes) {
      decoded += std::holds_alternative<sm::pipeline::DecodedFrame>(outcome) ? 1 : 0;
    }
  }
  std::printf("%zu decoded\n", decoded);
  return decoded == static_cast<std::size_t>(pushes) ? 0 : 1;
}
