// M-Bus long frame (EN 13757-2): 68 L L 68 C A CI <data> CS 16, where L counts C..data
// and CS is their sum modulo 256. For DLMS over wired M-Bus (the profile the Austrian
// operators' customer-interface specs describe) the CI field carries the transport
// segmentation — low nibble = sequence number, bit 0x10 = last segment — and STSAP/DTSAP
// follow in every segment.
#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/hex.h"
#include "frame/link_frames.h"

namespace sm::frame::link {

// The M-Bus checksum over whole frames: 16 bytes per step where SSE2 is there (every
// x86-64: PSADBW adds eight bytes into each 64-bit lane), else eight bytes per step, the
// even and the odd bytes of a 64-bit word added into four 16-bit lanes, which cannot
// overflow within 128 words.
std::uint8_t mbus_checksum(std::span<const std::uint8_t> bytes) noexcept {
  std::uint64_t total = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  constexpr std::size_t kStep = 16;
  const __m128i zero = _mm_setzero_si128();
  __m128i lanes = zero;
  for (; i + kStep <= bytes.size(); i += kStep) {
    __m128i block;
    std::memcpy(&block, bytes.data() + i, kStep);
    lanes = _mm_add_epi64(lanes, _mm_sad_epu8(block, zero));
  }
  if (i != bytes.size() && bytes.size() >= kStep) {
    // The last 1..15 bytes: the last 16 bytes, those already added masked out.
    static constexpr std::array<std::uint8_t, 2 * kStep> kKeepLast = [] {
      std::array<std::uint8_t, 2 * kStep> mask{};
      for (std::size_t k = kStep; k < mask.size(); ++k) mask[k] = 0xFF;
      return mask;
    }();
    __m128i block;
    __m128i keep;
    std::memcpy(&block, bytes.data() + bytes.size() - kStep, kStep);
    std::memcpy(&keep, kKeepLast.data() + (bytes.size() - i), kStep);
    lanes = _mm_add_epi64(lanes, _mm_sad_epu8(_mm_and_si128(block, keep), zero));
    i = bytes.size();
  }
  total = static_cast<std::uint64_t>(_mm_cvtsi128_si64(lanes)) +
          static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(lanes, lanes)));
#else
  constexpr std::uint64_t kLowBytes = 0x00FF00FF00FF00FFu;
  constexpr std::size_t kWordsPerBlock = 128;  // 128 * 2 * 255 < 65536
  const std::size_t words = bytes.size() / 8;
  for (std::size_t w = 0; w < words;) {
    const std::size_t block_end = std::min(words, w + kWordsPerBlock);
    std::uint64_t lanes = 0;
    for (; w < block_end; ++w) {
      std::uint64_t word = 0;
      std::memcpy(&word, bytes.data() + 8 * w, sizeof word);  // byte order does not matter
      lanes += (word & kLowBytes) + ((word >> 8) & kLowBytes);
    }
    total +=
        (lanes & 0xFFFFu) + ((lanes >> 16) & 0xFFFFu) + ((lanes >> 32) & 0xFFFFu) + (lanes >> 48);
  }
  i = 8 * words;
#endif
  for (; i < bytes.size(); ++i) total += bytes[i];
  return static_cast<std::uint8_t>(total & 0xFFu);
}

namespace {

constexpr std::uint8_t kStart = 0x68;
constexpr std::uint8_t kStop = 0x16;
constexpr std::size_t kHeaderSize = 4;    // 68 L L 68
constexpr std::size_t kTrailerSize = 2;   // CS 16
constexpr std::size_t kDlmsMinBody = 5;   // C A CI STSAP DTSAP
constexpr std::size_t kQuirkExtra = 256;  // Sagemcom T210-D: L holds (length mod 256)

// What the bytes say when L+header is taken to be `body` bytes long; the caller has
// checked that they are all there.
struct BodyCheck {
  bool stop_ok{false};
  bool checksum_ok{false};
  std::uint8_t computed{0};
  std::uint8_t stated{0};
  std::uint8_t stop{0};
};

BodyCheck check_body(std::span<const std::uint8_t> data, std::size_t body) {
  BodyCheck c;
  c.computed = mbus_checksum(data.subspan(kHeaderSize, body));
  c.stated = data[kHeaderSize + body];
  c.stop = data[kHeaderSize + body + 1];
  c.checksum_ok = c.computed == c.stated;
  c.stop_ok = c.stop == kStop;
  return c;
}

std::string describe_ci(std::uint8_t ci) {
  return "CI field 0x" + hex_u8(ci) + ": DLMS segment " + std::to_string(ci & 0x0Fu) +
         ((ci & 0x10u) != 0 ? ", last segment" : ", more segments follow");
}

// Annotations and error messages are built out of line: the probe runs once per frame
// and its hot path should stay small.
[[gnu::cold, gnu::noinline]] void annotate_frame(Annotations& n, std::span<const std::uint8_t> data,
                                                 std::size_t at, std::size_t declared,
                                                 std::size_t body) {
  const std::size_t total = kHeaderSize + body + kTrailerSize;
  annotate(&n, "stream", at, 1, "mbus", "start 0x68 (long frame)");
  annotate(&n, "stream", at + 1, 1, "mbus",
           body != declared ? "L field = " + std::to_string(declared) + ", frame carries " +
                                  std::to_string(body) +
                                  " bytes (L + 256, Sagemcom quirk: checksum and stop byte confirm)"
                            : "L field = " + std::to_string(declared));
  annotate(&n, "stream", at + 2, 1, "mbus", "L field repeated");
  annotate(&n, "stream", at + 3, 1, "mbus", "start 0x68");
  annotate(&n, "stream", at + 4, 1, "mbus", "C field = 0x" + hex_u8(data[kHeaderSize]));
  annotate(&n, "stream", at + 5, 1, "mbus", "A field = 0x" + hex_u8(data[kHeaderSize + 1]));
  annotate(&n, "stream", at + 6, 1, "mbus", describe_ci(data[kHeaderSize + 2]));
  annotate(&n, "stream", at + 7, 1, "mbus", "STSAP = 0x" + hex_u8(data[kHeaderSize + 3]));
  annotate(&n, "stream", at + 8, 1, "mbus", "DTSAP = 0x" + hex_u8(data[kHeaderSize + 4]));
  annotate(&n, "stream", at + total - 2, 1, "mbus",
           "checksum 0x" + hex_u8(data[kHeaderSize + body]) + " OK");
  annotate(&n, "stream", at + total - 1, 1, "mbus", "stop 0x16");
}

[[gnu::cold, gnu::noinline]] Probe too_long(std::size_t at, std::size_t total) {
  return corrupt(ErrorCode::length, at, total, Confidence::doubtful,
                 "M-Bus frame of " + std::to_string(total) + " bytes exceeds the buffer limit");
}

[[gnu::cold, gnu::noinline]] Probe check_failed(std::size_t at, std::size_t body,
                                                const BodyCheck& check) {
  const std::size_t total = kHeaderSize + body + kTrailerSize;
  if (!check.stop_ok) {
    return corrupt(ErrorCode::length, at, total, Confidence::framed,
                   "M-Bus stop byte missing: L field says " + std::to_string(body) +
                       " bytes, but offset " + std::to_string(at + total - 1) + " holds 0x" +
                       hex_u8(check.stop) + " instead of 0x16");
  }
  return corrupt(ErrorCode::checksum, at, total, Confidence::certain,
                 "M-Bus checksum mismatch: computed 0x" + hex_u8(check.computed) +
                     ", frame says 0x" + hex_u8(check.stated));
}

[[gnu::cold, gnu::noinline]] Probe not_dlms(std::span<const std::uint8_t> data, std::size_t at,
                                            std::size_t body) {
  const std::size_t total = kHeaderSize + body + kTrailerSize;
  if (body < kDlmsMinBody) {
    return unusable(ErrorCode::decode, at, total,
                    "M-Bus frame with L=" + std::to_string(body) +
                        " is too short for a DLMS segment (C, A, CI, STSAP, DTSAP)");
  }
  return unusable(ErrorCode::decode, at, total,
                  "M-Bus CI field 0x" + hex_u8(data[kHeaderSize + 2]) +
                      " is not a DLMS transport segment (0x00..0x1F)");
}

}  // namespace

[[gnu::hot]] Probe probe_mbus(std::span<const std::uint8_t> data, std::size_t at,
                              const FramerLimits& limits, MbusFrame* out, Annotations* notes,
                              ProbeMode mode) {
  // Start byte, L, L repeated, start byte again: checked byte by byte so that a wrong
  // header is rejected as soon as it is visible.
  const auto start = byte_at(data, 0);
  if (!start) return need_more(kHeaderSize);
  if (*start != kStart) return no_frame();
  const auto length = byte_at(data, 1);
  if (!length) return need_more(kHeaderSize);
  const auto length_again = byte_at(data, 2);
  if (!length_again) return need_more(kHeaderSize);
  if (*length_again != *length) return no_frame();
  const auto start_again = byte_at(data, 3);
  if (!start_again) return need_more(kHeaderSize);
  if (*start_again != kStart) return no_frame();
  if (mode == ProbeMode::header) {
    // C and A may be anything; CI must be a DLMS transport segment (0x00..0x1F).
    const auto ci = byte_at(data, kHeaderSize + 2);
    if (!ci) return need_more(kHeaderSize + 3);
    return (*ci & 0xE0u) == 0 ? header_verified() : no_frame();
  }

  const std::size_t declared = *length;
  std::size_t body = declared;
  if (declared < kDlmsMinBody) {
    // Too short for a DLMS segment: it may be a Sagemcom frame whose L holds only the low
    // byte of a 256..260-byte body. Accept that only when checksum and stop byte at
    // L+256 prove it (vector AT-EVN-SAGEMCOM-L0101-QUIRK).
    const std::size_t short_total = kHeaderSize + declared + kTrailerSize;
    if (data.size() < short_total) return need_more(short_total);
    const BodyCheck as_declared = check_body(data, declared);
    if (!as_declared.stop_ok || !as_declared.checksum_ok) {
      body = declared + kQuirkExtra;
    }
  }
  const std::size_t total = kHeaderSize + body + kTrailerSize;
  if (total > limits.max_buffer) return too_long(at, total);
  if (data.size() < total) return need_more(total);
  const BodyCheck check = check_body(data, body);
  if (!check.stop_ok || !check.checksum_ok) return check_failed(at, body, check);

  // The frame is verified (all its bytes are there); now see whether it carries a DLMS
  // transport segment.
  if (body < kDlmsMinBody || (data[kHeaderSize + 2] & 0xE0u) != 0) {
    return not_dlms(data, at, body);
  }
  if (out != nullptr) {
    out->control = data[kHeaderSize];
    out->address = data[kHeaderSize + 1];
    out->ci = data[kHeaderSize + 2];
    out->payload = data.subspan(kHeaderSize + kDlmsMinBody, body - kDlmsMinBody);
    out->payload_offset = kHeaderSize + kDlmsMinBody;
  }
  if (notes != nullptr) [[unlikely]] {
    annotate_frame(*notes, data, at, declared, body);
  }
  return complete(total);
}

}  // namespace sm::frame::link
