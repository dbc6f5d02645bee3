// Golden tests over every real vector in tests/data/vectors/<ID>/ (DLMS) and
// tests/data/vectors-frontier/<ID>/ (the other protocols: DSMR P1 so far):
//  - the whole decoder (framing, security, A-XDR, COSEM) runs on input.hex with the
//    vector's keys, fed in one piece AND byte by byte (must agree);
//  - the JSON lines (as `decode --format json` prints them) must equal expected.jsonl
//    (UPDATE_GOLDEN=1 rewrites it; review the diff);
//  - expected.err names the error code a negative vector must produce (and then no
//    frame may decode: a wrong key must never yield numbers);
//  - published.txt holds the values the vector's own source published; each must match
//    (`value`, `raw`, `text`, or `time`: the register's own time, ISO 8601).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/keys.h"
#include "app/render.h"
#include "common/hex.h"
#include "pipeline/decoder.h"

namespace fs = std::filesystem;
using sm::pipeline::DecodedFrame;
using sm::pipeline::FrameFailure;
using sm::pipeline::Outcome;

namespace {

const fs::path kData = fs::path(SM_TEST_DATA);

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The vectors under tests/data/<root>, as "<root>/<ID>".
std::vector<std::string> vector_ids(const std::string& root) {
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(kData / root)) {
    if (entry.is_directory() && fs::exists(entry.path() / "input.hex")) {
      ids.push_back(root + "/" + entry.path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

sm::pipeline::DecoderOptions options_for(const fs::path& dir) {
  sm::pipeline::DecoderOptions options;
  if (fs::exists(dir / "key.hex")) {
    auto key = sm::app::load_key_file((dir / "key.hex").string());
    EXPECT_TRUE(key.has_value());
    if (key) options.keys.encryption = *key;
  }
  if (fs::exists(dir / "auth-key.hex")) {
    auto key = sm::app::load_key_file((dir / "auth-key.hex").string());
    EXPECT_TRUE(key.has_value());
    if (key) options.keys.authentication = *key;
  }
  return options;
}

std::vector<Outcome> run_all_at_once(const fs::path& dir, const std::vector<std::uint8_t>& bytes) {
  sm::pipeline::Decoder decoder(options_for(dir));
  auto out = decoder.push(bytes);
  auto rest = decoder.finish();
  for (auto& o : rest) out.push_back(std::move(o));
  return out;
}

std::vector<Outcome> run_byte_by_byte(const fs::path& dir, const std::vector<std::uint8_t>& bytes) {
  sm::pipeline::Decoder decoder(options_for(dir));
  std::vector<Outcome> out;
  for (auto b : bytes) {
    for (auto& o : decoder.push(std::span<const std::uint8_t>(&b, 1))) out.push_back(std::move(o));
  }
  for (auto& o : decoder.finish()) out.push_back(std::move(o));
  return out;
}

std::string render_all(const std::vector<Outcome>& outcomes) {
  std::string text;
  for (const auto& o : outcomes) text += sm::app::render_json(o) + "\n";
  return text;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, DecodesAsExpected) {
  const fs::path dir = kData / GetParam();
  auto bytes = sm::parse_hex(slurp(dir / "input.hex"));
  ASSERT_TRUE(bytes.has_value()) << "input.hex is not hex";
  const auto outcomes = run_all_at_once(dir, *bytes);
  ASSERT_FALSE(outcomes.empty());
  const std::string json = render_all(outcomes);

  // Chunking must not matter.
  EXPECT_EQ(json, render_all(run_byte_by_byte(dir, *bytes))) << "byte-at-a-time differs";

  const fs::path golden = dir / "expected.jsonl";
  if (std::getenv("UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden, std::ios::binary) << json;
  }
  ASSERT_TRUE(fs::exists(golden)) << "no expected.jsonl; run with UPDATE_GOLDEN=1 and review";
  EXPECT_EQ(slurp(golden), json);

  std::size_t decoded = 0;
  std::vector<std::string> codes;
  for (const auto& o : outcomes) {
    if (const auto* f = std::get_if<FrameFailure>(&o)) {
      codes.emplace_back(sm::to_string(f->error.code));
      // Errors never carry key material.
      for (const auto* name : {"key.hex", "auth-key.hex"}) {
        if (!fs::exists(dir / name)) continue;
        auto key = sm::app::load_key_file((dir / name).string());
        ASSERT_TRUE(key.has_value());
        const std::string upper = sm::to_hex(*key), lower = sm::to_hex_lower(*key);
        EXPECT_EQ(f->error.message.find(upper), std::string::npos);
        EXPECT_EQ(f->error.message.find(lower), std::string::npos);
      }
    } else {
      ++decoded;
    }
  }

  if (fs::exists(dir / "expected.err")) {
    const std::string code = trim(slurp(dir / "expected.err"));
    EXPECT_EQ(decoded, 0u) << "a negative vector must not yield values";
    ASSERT_FALSE(codes.empty());
    EXPECT_EQ(codes.front(), code);
    return;
  }
  EXPECT_TRUE(codes.empty()) << "unexpected failure: " << json;
  EXPECT_GE(decoded, 1u);

  if (!fs::exists(dir / "published.txt")) return;
  // Every value the vector's source published must be in the first decoded frame.
  const DecodedFrame* frame = nullptr;
  for (const auto& o : outcomes) {
    if ((frame = std::get_if<DecodedFrame>(&o)) != nullptr) break;
  }
  ASSERT_NE(frame, nullptr);
  std::istringstream lines(slurp(dir / "published.txt"));
  std::string line;
  int checked = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string obis_text, kind, expected;
    fields >> obis_text >> kind;
    std::getline(fields >> std::ws, expected);
    auto obis = sm::cosem::Obis::parse(obis_text);
    ASSERT_TRUE(obis.has_value()) << line;
    SCOPED_TRACE(line);
    const auto* reg = frame->reading.find(*obis);
    if (kind == "text" && reg == nullptr && *obis == sm::cosem::obis(0, 0, 96, 1, 0)) {
      ASSERT_TRUE(frame->reading.meter_id.has_value());
      EXPECT_EQ(*frame->reading.meter_id, expected);
      ++checked;
      continue;
    }
    ASSERT_NE(reg, nullptr) << "register missing";
    if (kind == "text") {
      ASSERT_TRUE(reg->text.has_value());
      EXPECT_EQ(*reg->text, expected);
    } else if (kind == "time") {  // the register's own time (DSMR sub-meters, peaks)
      const auto* time = frame->reading.time_of(*obis);
      ASSERT_NE(time, nullptr) << "no time of its own";
      EXPECT_EQ(time->iso8601(), expected);
    } else if (kind == "raw") {
      ASSERT_TRUE(reg->raw.has_value());
      EXPECT_EQ(*reg->raw, std::stoll(expected));
    } else {
      ASSERT_EQ(kind, "value");
      const double want = std::stod(expected);
      EXPECT_NEAR(reg->value, want, 1e-9 * std::max(1.0, std::fabs(want)));
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// The test's name: the vector's ID, '-' and '.' as '_'.
std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).filename().string();
  for (auto& c : name) {
    if (c == '-' || c == '.') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vectors, Golden, ::testing::ValuesIn(vector_ids("vectors")), test_name);
INSTANTIATE_TEST_SUITE_P(Frontier, Golden, ::testing::ValuesIn(vector_ids("vectors-frontier")),
                         test_name);

}  // namespace
