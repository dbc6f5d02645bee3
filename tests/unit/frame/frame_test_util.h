// Helpers shared by the frame tests: vector loading and running a StreamFramer over a
// byte string in chunks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.h"
#include "frame/stream_framer.h"

namespace sm::frame::test {

using Bytes = std::vector<std::uint8_t>;

inline std::filesystem::path vectors_dir() {
  return std::filesystem::path(SM_TEST_DATA) / "vectors";
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline Bytes hex(std::string_view text) {
  auto bytes = sm::parse_hex(text);
  if (!bytes) {
    ADD_FAILURE() << "bad hex: " << text.substr(0, 40);
    return {};
  }
  return *bytes;
}

inline Bytes vector_input(const std::string& id) {
  return hex(read_text(vectors_dir() / id / "input.hex"));
}

// The value of a string field `"key": "value"` in a vector.json (no JSON library here;
// the files are flat enough for a string search). nullopt when absent or null.
inline std::optional<std::string> json_string(const std::string& json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\": \"";
  const auto start = json.find(needle);
  if (start == std::string::npos) return std::nullopt;
  const auto begin = start + needle.size();
  const auto end = json.find('"', begin);
  if (end == std::string::npos) return std::nullopt;
  return json.substr(begin, end - begin);
}

inline std::optional<Bytes> vector_hex_field(const std::string& id, std::string_view key) {
  const auto value = json_string(read_text(vectors_dir() / id / "vector.json"), key);
  if (!value) return std::nullopt;
  return hex(*value);
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Pushes `input` in chunks of `chunk` bytes (0 = all at once), then finish().
inline std::vector<FrameEvent> run_framer(const Bytes& input, std::size_t chunk = 0,
                                          FramerLimits limits = {}) {
  StreamFramer framer(limits);
  std::vector<FrameEvent> events;
  const std::size_t step = chunk == 0 ? std::max<std::size_t>(input.size(), 1) : chunk;
  for (std::size_t i = 0; i < input.size(); i += step) {
    const auto n = std::min(step, input.size() - i);
    auto got = framer.push(std::span<const std::uint8_t>(input).subspan(i, n));
    events.insert(events.end(), std::make_move_iterator(got.begin()),
                  std::make_move_iterator(got.end()));
  }
  auto tail = framer.finish();
  events.insert(events.end(), std::make_move_iterator(tail.begin()),
                std::make_move_iterator(tail.end()));
  return events;
}

inline std::vector<Apdu> apdus_of(const std::vector<FrameEvent>& events) {
  std::vector<Apdu> out;
  for (const auto& e : events) {
    if (const auto* a = std::get_if<Apdu>(&e)) out.push_back(*a);
  }
  return out;
}

inline std::vector<FrameError> errors_of(const std::vector<FrameEvent>& events) {
  std::vector<FrameError> out;
  for (const auto& e : events) {
    if (const auto* f = std::get_if<FrameError>(&e)) out.push_back(*f);
  }
  return out;
}

// Every field of an event, for comparing runs and for readable failure output.
inline std::string describe(const FrameEvent& event) {
  std::ostringstream s;
  if (const auto* a = std::get_if<Apdu>(&event)) {
    s << "APDU " << to_string(a->link) << " @" << a->stream_offset << "+" << a->stream_length
      << " frames=" << a->link_frames << " " << sm::to_hex(a->bytes);
    for (const auto& n : a->notes) {
      s << "\n  " << n.space << ":" << n.offset << "+" << n.length << " " << n.layer << " "
        << n.meaning;
    }
  } else {
    const auto& f = std::get<FrameError>(event);
    s << "ERROR " << sm::to_string(f.error.code) << " @" << f.stream_offset << " skipped "
      << f.skipped << " (offset " << f.error.offset << ", " << sm::to_string(f.error.layer)
      << "): " << f.error.message;
  }
  return s.str();
}

inline std::vector<std::string> describe(const std::vector<FrameEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(describe(e));
  return out;
}

// Sum of the bytes every event accounts for (APDU stream lengths + skipped bytes).
inline std::size_t accounted_bytes(const std::vector<FrameEvent>& events) {
  std::size_t total = 0;
  for (const auto& e : events) {
    if (const auto* a = std::get_if<Apdu>(&e)) {
      total += a->stream_length;
    } else {
      total += std::get<FrameError>(e).skipped;
    }
  }
  return total;
}

}  // namespace sm::frame::test
