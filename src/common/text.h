// Text: an immutable string value that keeps up to kInline characters in place and only
// longer ones on the heap. The texts of a Reading (meter ids, device names, ISO 8601
// times, list ids) are nearly all 8 to 25 characters: one more than std::string keeps
// in place is one heap allocation (and free) per text per frame.
//
// Reads as a std::string_view (implicitly); str() makes a std::string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

namespace sm {

class Text {
 public:
  static constexpr std::size_t kInline = 32;

  Text() noexcept = default;
  Text(std::string_view s) { assign(s); }               // NOLINT(google-explicit-constructor)
  Text(const char* s) { assign(std::string_view(s)); }  // NOLINT(google-explicit-constructor)
  Text(const std::string& s) { assign(s); }             // NOLINT(google-explicit-constructor)
  Text(const Text& other) { assign(other.view()); }
  Text(Text&& other) noexcept { take(other); }
  Text& operator=(const Text& other) {
    if (this != &other) assign(other.view());
    return *this;
  }
  Text& operator=(Text&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  Text& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  ~Text() { release(); }

  [[nodiscard]] std::string_view view() const noexcept { return {data(), size_}; }
  operator std::string_view() const noexcept { return view(); }  // NOLINT
  [[nodiscard]] std::string str() const { return std::string(view()); }

  [[nodiscard]] const char* data() const noexcept { return on_heap() ? heap_ : inline_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::string_view substr(std::size_t pos,
                                        std::size_t n = std::string_view::npos) const {
    return view().substr(pos, n);
  }

  friend bool operator==(const Text& a, const Text& b) noexcept { return a.view() == b.view(); }
  friend bool operator==(const Text& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const Text& a, const std::string& b) noexcept { return a.view() == b; }
  friend bool operator==(const Text& a, const char* b) noexcept {
    return a.view() == std::string_view(b);
  }
  friend std::ostream& operator<<(std::ostream& out, const Text& t) { return out << t.view(); }

 private:
  [[nodiscard]] bool on_heap() const noexcept { return size_ > kInline; }

  // `s` may be this Text's own characters.
  void assign(std::string_view s) {
    char* const old = on_heap() ? heap_ : nullptr;
    if (s.size() > kInline) {
      char* const copy = new char[s.size()];
      std::memcpy(copy, s.data(), s.size());
      heap_ = copy;
    } else if (!s.empty()) {
      std::memmove(inline_, s.data(), s.size());  // overwrites heap_; `old` still holds it
    }
    size_ = s.size();
    delete[] old;
  }
  void take(Text& other) noexcept {
    size_ = other.size_;
    if (other.on_heap()) {
      heap_ = other.heap_;
    } else {
      std::memcpy(inline_, other.inline_, kInline);  // whole: a fixed-size copy is two moves
    }
    other.size_ = 0;
  }
  void release() noexcept {
    if (on_heap()) delete[] heap_;
    size_ = 0;
  }

  std::size_t size_{0};
  union {
    char* heap_;
    char inline_[kInline];
  };
};

}  // namespace sm
