// Helpers for the cosem tests: vector files, a small JSON reader for vector.json, and
// builders for hand-made A-XDR value trees.
#pragma once

#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "common/hex.h"
#include "cosem/obis.h"
#include "dlms/axdr.h"

namespace sm::cosem::test {

inline std::filesystem::path vectors_dir() {
  return std::filesystem::path(SM_TEST_DATA) / "vectors";
}

inline std::optional<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ----- JSON (just enough for vector.json: objects, arrays, strings, numbers, literals) -----

struct Json;
using JsonObject = std::vector<std::pair<std::string, Json>>;  // keeps document order
using JsonArray = std::vector<Json>;

struct Json {
  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<JsonArray>,
               std::shared_ptr<JsonObject>>
      value{nullptr};

  [[nodiscard]] const Json* get(std::string_view key) const {
    const auto* object = std::get_if<std::shared_ptr<JsonObject>>(&value);
    if (object == nullptr) return nullptr;
    for (const auto& [name, item] : **object) {
      if (name == key) return &item;
    }
    return nullptr;
  }
  [[nodiscard]] const JsonObject* object() const {
    const auto* object = std::get_if<std::shared_ptr<JsonObject>>(&value);
    return object == nullptr ? nullptr : object->get();
  }
  [[nodiscard]] const std::string* string() const { return std::get_if<std::string>(&value); }
  [[nodiscard]] const double* number() const { return std::get_if<double>(&value); }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  std::optional<Json> document() {
    auto value = parse_value(0);
    skip_space();
    if (!value || pos_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0)
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<Json> parse_value(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    skip_space();
    if (pos_ >= text_.size()) return std::nullopt;
    const char c = text_[pos_];
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      auto s = parse_string();
      if (!s) return std::nullopt;
      return Json{std::move(*s)};
    }
    if (consume_word("true")) return Json{true};
    if (consume_word("false")) return Json{false};
    if (consume_word("null")) return Json{nullptr};
    return parse_number();
  }

  std::optional<Json> parse_object(int depth) {
    ++pos_;  // '{'
    auto object = std::make_shared<JsonObject>();
    if (consume('}')) return Json{object};
    do {
      skip_space();
      auto key = parse_string();
      if (!key || !consume(':')) return std::nullopt;
      auto item = parse_value(depth + 1);
      if (!item) return std::nullopt;
      object->emplace_back(std::move(*key), std::move(*item));
    } while (consume(','));
    if (!consume('}')) return std::nullopt;
    return Json{object};
  }

  std::optional<Json> parse_array(int depth) {
    ++pos_;  // '['
    auto array = std::make_shared<JsonArray>();
    if (consume(']')) return Json{array};
    do {
      auto item = parse_value(depth + 1);
      if (!item) return std::nullopt;
      array->push_back(std::move(*item));
    } while (consume(','));
    if (!consume(']')) return std::nullopt;
    return Json{array};
  }

  static void append_utf8(std::string& out, unsigned code_point) {
    if (code_point < 0x80) {
      out.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
  }

  std::optional<std::string> parse_string() {
    if (pos_ >= text_.size() || text_[pos_] != '"') return std::nullopt;
    ++pos_;
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return std::nullopt;
      const char escaped = text_[pos_++];
      switch (escaped) {
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return std::nullopt;
          unsigned code_point = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = text_[pos_++];
            code_point <<= 4;
            if (h >= '0' && h <= '9')
              code_point |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f')
              code_point |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
              code_point |= static_cast<unsigned>(h - 'A' + 10);
            else
              return std::nullopt;
          }
          append_utf8(out, code_point);
          break;
        }
        default:
          out.push_back(escaped);
          break;  // \" \\ \/
      }
    }
    return std::nullopt;
  }

  std::optional<Json> parse_number() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0 || text_[pos_] == '-' ||
            text_[pos_] == '+' || text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
    }
    double number = 0;
    const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, number);
    if (start == pos_ || ec != std::errc() || end != text_.data() + pos_) return std::nullopt;
    return Json{number};
  }

  std::string_view text_;
  std::size_t pos_{0};
};

// ----- hand-made A-XDR trees --------------------------------------------------------------

inline dlms::Value leaf(dlms::Tag tag, decltype(dlms::Value::data) data, std::size_t offset = 0) {
  dlms::Value value;
  value.tag = tag;
  value.data = std::move(data);
  value.offset = offset;
  return value;
}
inline dlms::Value u32(std::uint64_t v) {
  return leaf(dlms::Tag::uint32, v);
}
inline dlms::Value u16(std::uint64_t v) {
  return leaf(dlms::Tag::uint16, v);
}
inline dlms::Value i8(std::int64_t v) {
  return leaf(dlms::Tag::int8, v);
}
inline dlms::Value enumerated(std::uint64_t v) {
  return leaf(dlms::Tag::enum_, v);
}
inline dlms::Value f64(double v) {
  return leaf(dlms::Tag::float64, v);
}
inline dlms::Value octets(std::vector<std::uint8_t> bytes) {
  return leaf(dlms::Tag::octet_string, dlms::Bytes(bytes.begin(), bytes.end()));
}
inline dlms::Value octets_hex(std::string_view hex) {
  return octets(*parse_hex(hex));
}
inline dlms::Value visible(std::string_view text) {
  return leaf(dlms::Tag::visible_string, dlms::Bytes(text.begin(), text.end()));
}
inline dlms::Value octet_text(std::string_view text) {
  return leaf(dlms::Tag::octet_string, dlms::Bytes(text.begin(), text.end()));
}
inline dlms::Value obis_value(const Obis& code) {
  return octets({code.v.begin(), code.v.end()});
}
inline dlms::Value structure(std::vector<dlms::Value> kids) {
  return leaf(dlms::Tag::structure, dlms::Children(std::make_move_iterator(kids.begin()),
                                                   std::make_move_iterator(kids.end())));
}
inline dlms::Value array(std::vector<dlms::Value> kids) {
  return leaf(dlms::Tag::array, dlms::Children(std::make_move_iterator(kids.begin()),
                                               std::make_move_iterator(kids.end())));
}
inline dlms::Value scaler_unit(std::int64_t scaler, std::uint64_t unit_code) {
  return structure({i8(scaler), enumerated(unit_code)});
}

}  // namespace sm::cosem::test
