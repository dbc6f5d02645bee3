// The two bursts of the pipeline benchmarks (tests/bench), loaded from the vectors, shared
// by pipeline_bench (wall time) and pipeline_count (a fixed number of pushes, for
// instruction counts under callgrind).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <memory_resource>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <botan/stream_cipher.h>

#include "app/keys.h"
#include "common/hex.h"
#include "cosem/decode.h"
#include "dlms/apdu.h"
#include "dlms/security.h"
#include "frame/stream_framer.h"
#include "pipeline/decoder.h"

namespace sm::bench {

struct Burst {
  std::vector<std::uint8_t> wire;
  pipeline::DecoderOptions options;
  std::size_t ciphertext_bytes = 0;
  std::vector<std::uint8_t> apdu;       // the burst's one APDU, as framed
  std::vector<std::uint8_t> plaintext;  // the same, deciphered
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline Burst load_burst(const std::string& id, std::size_t ciphertext_bytes) {
  const std::filesystem::path dir = std::filesystem::path(SM_TEST_DATA) / "vectors" / id;
  Burst b;
  b.wire = *parse_hex(slurp(dir / "input.hex"));
  b.options.keys.encryption = *app::load_key_file((dir / "key.hex").string());
  if (std::filesystem::exists(dir / "auth-key.hex")) {
    b.options.keys.authentication = *app::load_key_file((dir / "auth-key.hex").string());
  }
  b.ciphertext_bytes = ciphertext_bytes;
  frame::StreamFramer framer(b.options.framer, frame::Annotate::no);
  auto events = framer.push(b.wire);
  if (events.size() == 1) {
    if (auto* apdu = std::get_if<frame::Apdu>(&events.front())) b.apdu = std::move(apdu->bytes);
  }
  if (auto unprotected = dlms::unprotect(b.apdu, b.options.keys)) {
    b.plaintext = std::move(unprotected->plaintext);
  }
  return b;
}

// KSM West (Vorarlberg/TINETZ/Salzburg): two M-Bus segments, SC 0x21, 265-byte APDU,
// 250 bytes of ciphertext.
inline const Burst& ksm_west() {
  static const Burst b = load_burst("AT-TINETZ-KFM-DOC-EXAMPLE", 250);
  return b;
}
// L+G E450: three HDLC frames of General-Block-Transfer, SC 0x30 with a 12-byte tag;
// 259-byte APDU, 241 bytes of ciphertext (GCM also computes GHASH over it).
inline const Burst& e450_gbt() {
  static const Burst b = load_burst("XX-LGZ-E450-GBT-1", 241);
  return b;
}

// The burst's plaintext -> Reading as pipeline::Decoder does it: the direct path for OBIS
// lists, else the value tree in a stack arena. nullopt when it does not decode.
inline std::optional<cosem::Reading> decode_plaintext(const Burst& b) {
  // One result object returned from every path (no move of the Reading on the direct one).
  std::optional<cosem::Reading> out(std::in_place);
  if (!cosem::decode_common_notification(b.plaintext, b.options.axdr, b.options.cosem, *out)) {
    out.reset();
    alignas(std::max_align_t) std::array<std::byte, 16 * 1024> buffer;
    dlms::ValueArena arena(buffer);
    auto notification =
        dlms::decode_data_notification(b.plaintext, b.options.axdr, nullptr, &arena);
    if (notification) {
      if (auto reading = cosem::decode_notification(*notification, b.options.cosem)) {
        out = std::move(*reading);
      }
    }
  }
  return out;
}

// The yardstick: bare Botan AES-128-CTR over as many bytes as a burst's ciphertext, the IV
// set anew for each run (as each APDU has its own).
class BareCtr {
 public:
  explicit BareCtr(std::size_t bytes)
      : ctr_(Botan::StreamCipher::create_or_throw("CTR-BE(AES-128)")), buf_(bytes, 0x5A) {
    const std::vector<std::uint8_t> key(16, 0x42);
    ctr_->set_key(key);
  }
  void run() {
    ctr_->set_iv(iv_.data(), iv_.size());
    ctr_->cipher1(buf_.data(), buf_.size());
  }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const noexcept { return buf_; }

 private:
  std::unique_ptr<Botan::StreamCipher> ctr_;
  std::vector<std::uint8_t> iv_ = std::vector<std::uint8_t>(16, 0x01);
  std::vector<std::uint8_t> buf_;
};

}  // namespace sm::bench
