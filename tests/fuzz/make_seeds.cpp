// Builds the fuzzers' seed corpus from the real vectors: every tests/data/vectors/*/
// input.hex and plaintext.hex becomes one binary file in the output folder.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/hex.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds VECTORS_DIR OUT_DIR\n";
    return 2;
  }
  fs::create_directories(argv[2]);
  int written = 0;
  for (const auto& entry : fs::recursive_directory_iterator(argv[1])) {
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
    const auto out = fs::path(argv[2]) / (entry.path().parent_path().filename().string() + "-" +
                                          entry.path().stem().string());
    std::ofstream(out, std::ios::binary) << std::string(bytes->begin(), bytes->end());
    ++written;
  }
  std::cout << "wrote " << written << " seeds\n";
  return written > 0 ? 0 : 1;
}
