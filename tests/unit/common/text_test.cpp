#include "common/text.h"

#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace sm {
namespace {

// Lengths either side of the in-place limit, and empty.
const std::vector<std::size_t> kLengths{
    0, 1, 15, 16, Text::kInline - 1, Text::kInline, Text::kInline + 1, 100};

std::string sample(std::size_t n, char first = 'a') {
  std::string s(n, ' ');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(first + static_cast<char>(i % 26));
  return s;
}

TEST(Text, HoldsWhatItWasGivenAtEveryLength) {
  for (std::size_t n : kLengths) {
    const std::string s = sample(n);
    const Text from_view{std::string_view(s)};
    const Text from_string{s};
    const Text from_chars{s.c_str()};
    for (const Text* t : {&from_view, &from_string, &from_chars}) {
      EXPECT_EQ(t->view(), s) << n;
      EXPECT_EQ(t->size(), n);
      EXPECT_EQ(t->empty(), n == 0);
      EXPECT_EQ(t->str(), s);
      EXPECT_NE(static_cast<const void*>(t->data()), static_cast<const void*>(s.data()));
    }
  }
}

TEST(Text, CopiesAndMovesKeepTheTextAtEveryLength) {
  for (std::size_t n : kLengths) {
    const std::string s = sample(n);
    Text original{s};
    Text copy{original};
    EXPECT_EQ(copy, s);
    EXPECT_EQ(original, s);
    Text moved{std::move(copy)};
    EXPECT_EQ(moved, s);
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    for (std::size_t m : kLengths) {
      Text target{sample(m, 'A')};
      target = original;
      EXPECT_EQ(target, s) << n << " over " << m;
      Text other{sample(m, 'A')};
      other = std::move(target);
      EXPECT_EQ(other, s) << n << " moved over " << m;
      other = std::string_view(sample(m, 'A'));
      EXPECT_EQ(other, sample(m, 'A'));
    }
  }
}

TEST(Text, AssignsFromItsOwnCharacters) {
  for (std::size_t n : kLengths) {
    const std::string s = sample(n);
    Text t{s};
    t = t.view();  // the same characters
    EXPECT_EQ(t, s);
    const Text& alias = t;
    t = alias;  // self-assignment
    EXPECT_EQ(t, s);
    if (n > 2) {
      t = t.substr(1, n - 2);  // a part of itself, in place or from the heap
      EXPECT_EQ(t, s.substr(1, n - 2)) << n;
    }
  }
}

TEST(Text, ComparesWithEveryStringKind) {
  const Text t{"KFM1100100000035"};
  EXPECT_TRUE(t == "KFM1100100000035");
  EXPECT_TRUE(t == std::string("KFM1100100000035"));
  EXPECT_TRUE(t == std::string_view("KFM1100100000035"));
  EXPECT_TRUE(t == Text("KFM1100100000035"));
  EXPECT_FALSE(t == "KFM1100100000036");
  EXPECT_FALSE(t == "KFM110010000003");
  const std::optional<Text> id = Text("1KFM0100000035");
  EXPECT_EQ(id, "1KFM0100000035");
  EXPECT_EQ(std::optional<Text>{}.value_or("-").str(), "-");
  std::ostringstream out;
  out << t;
  EXPECT_EQ(out.str(), "KFM1100100000035");
}

TEST(Text, InAGrowingVector) {
  std::vector<Text> texts;
  for (std::size_t i = 0; i < 40; ++i) texts.emplace_back(sample(i));
  for (std::size_t i = 0; i < 40; ++i) EXPECT_EQ(texts[i], sample(i));
}

}  // namespace
}  // namespace sm
