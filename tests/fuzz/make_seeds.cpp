// Builds the fuzzers' seed corpus from the real vectors: every input.hex and plaintext.hex
// under the vector folders (tests/data/vectors, tests/data/vectors-frontier) becomes one
// binary file in the output folder, and once more behind the two parameter bytes
// fuzz_frame reads first (chunk size, limits), so that its stream starts where the
// capture does (a DSMR telegram's '/' included).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "common/hex.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: make_seeds VECTORS_DIR... OUT_DIR\n";
    return 2;
  }
  const fs::path out_dir = argv[argc - 1];
  fs::create_directories(out_dir);
  // fuzz_frame: chunk size 16, the default limits.
  const std::string frame_parameters("\x0F\x00", 2);
  int written = 0;
  for (int dir = 1; dir + 1 < argc; ++dir) {
    for (const auto& entry : fs::recursive_directory_iterator(argv[dir])) {
      const auto name = entry.path().filename().string();
      if (name != "input.hex" && name != "plaintext.hex") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      auto bytes = sm::parse_hex(text.str());
      if (!bytes) {
        std::cerr << "not hex: " << entry.path() << "\n";
        return 1;
      }
      const std::string seed(bytes->begin(), bytes->end());
      const auto out = out_dir / (entry.path().parent_path().filename().string() + "-" +
                                  entry.path().stem().string());
      std::ofstream(out, std::ios::binary) << seed;
      std::ofstream(out.string() + "-stream", std::ios::binary) << frame_parameters + seed;
      written += 2;
    }
  }
  std::cout << "wrote " << written << " seeds\n";
  return written > 0 ? 0 : 1;
}
