// The OBIS-tagged walk: a 6-byte octet-string names the next value, a scaler-unit after a
// numeric value scales it. The general path walks the value tree with it; the direct path
// (direct_walk.cpp) drives its hooks, which are defined here so that they inline there.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "cosem/builder.h"

namespace sm::cosem::detail {

inline constexpr std::string_view kObisTagged = "obis-tagged";
inline constexpr std::string_view kEvn = "evn";

class ObisTaggedWalk {
 public:
  explicit ObisTaggedWalk(Builder& out) : out_(out) {}

  Result<void> run(const Value& body);

  // After the body's last element: a body that named nothing is not OBIS-tagged.
  [[nodiscard]] Result<void> check_named(std::size_t body_offset) const {
    if (named_values_ == 0) {
      return cosem_error(ErrorCode::unsupported, body_offset, "no OBIS-tagged values");
    }
    return {};
  }

  [[nodiscard]] bool meter_number_was_last() const noexcept { return meter_number_last_; }

 private:
  struct PendingName {
    Obis code;
    std::size_t offset;
  };

  Result<void> visit_container(const Value& container, std::size_t depth);

  Result<void> visit(const Value& value, std::size_t depth, std::size_t index,
                     std::size_t siblings);

 public:
  // The steps of visit() that the direct path (DirectWalk) shares, so both walks apply
  // the same rules. A leaf is any value that is not a container.
  Result<void> visit_leaf(const Leaf& value, std::size_t depth, std::size_t index,
                          std::size_t siblings) {
    if (!pending_) {
      if (auto code = obis_of(value)) {
        name_next(*code, value.offset);
        return {};
      }
      return visit_unnamed(value, depth, index, siblings);
    }
    const Obis code = pending_->code;
    pending_.reset();
    auto added = add_named_register(code, value, out_);
    if (!added) return tl::unexpected(added.error());
    if (!*added) return {};
    const bool numeric = out_.reading.registers.back().numeric();
    const std::size_t at = out_.count - 1;
    ++named_values_;
    if (numeric) scalable_ = at;
    return {};
  }

  Result<void> attach_scaler_unit(const ScalerUnit& scaler_unit, std::size_t pair_offset) {
    if (pending_) {
      return cosem_error(
          ErrorCode::decode, pair_offset,
          "scaler-unit where the value of " + pending_->code.to_string() + " was expected");
    }
    if (!scalable_) {
      return cosem_error(ErrorCode::decode, pair_offset,
                         "scaler-unit structure does not follow a numeric value");
    }
    const std::size_t at = *scalable_;
    scalable_.reset();
    if (auto done = rescale(out_.reading.registers[at], scaler_unit.scaler, scaler_unit.unit,
                            scaler_unit.scaler_offset);
        !done) {
      return done;
    }
    out_.scaler_from_frame[at] = 1;
    return {};
  }

  [[nodiscard]] bool name_pending() const noexcept { return pending_.has_value(); }
  // visit_leaf() of a number named by `code` (no name pending): the direct path's most
  // common step. False when the value is not a finite number.
  bool named_number(const Obis& code, const Leaf& value) {
    if (!out_.add_numeric(code, value, 0, kUnitNone)) return false;
    ++named_values_;
    scalable_ = out_.count - 1;
    return true;
  }
  // named_number() followed by the attach_scaler_unit() of its scaler-unit: the register
  // built with its scaler and unit at once (scaler already checked to be in range).
  bool named_scaled_number(const Obis& code, const Leaf& value, int scaler, int unit_code) {
    if (!out_.add_numeric(code, value, scaler, unit_code)) return false;
    ++named_values_;
    scaled_by_frame();
    return true;
  }
  // named_number() of an integer (as int64), with the scaler and unit it has at once.
  void named_integer(const Obis& code, std::int64_t raw, int scaler, int unit_code) noexcept {
    out_.add_integer(code, raw, scaler, unit_code);
    ++named_values_;
    scalable_ = out_.count - 1;
  }
  // A run of named integers (DirectWalk::integer_pairs(), DirectWalk::register_triples()):
  // their registers (numeric) are appended to this list, ...
  [[nodiscard]] std::vector<Register>& run_registers() noexcept { return out_.reading.registers; }
  // ... then named_integer()'s bookkeeping is done for all of them at once. Without
  // scaler-units the last one is what a following scaler-unit attaches to; with them
  // (scaled_by_frame()), none is.
  void run_appended(bool scaled) {
    const std::size_t n = out_.added_appended(scaled);
    named_values_ += n;
    if (scaled) {
      scalable_.reset();
    } else if (n > 0) {
      scalable_ = out_.count - 1;
    }
  }
  // The last register's scaler-unit came from the frame (named_scaled_number() after
  // named_integer()); a following scaler-unit no longer attaches to it.
  void scaled_by_frame() noexcept {
    out_.scaler_from_frame.back() = 1;
    scalable_.reset();
  }
  // visit_leaf() of an OBIS code (a 6-byte octet-string) while no name is pending.
  void name_next(const Obis& code, std::size_t offset) { pending_ = PendingName{code, offset}; }
  // Anything but a scaler-unit breaks the value / scaler-unit adjacency.
  void break_adjacency() noexcept { scalable_.reset(); }

 private:
  Result<void> attach_scaler_unit(const Value& pair);

  // Values without a preceding OBIS code, where a known list puts them:
  //  - a 12-byte date-time anywhere: the clock (EVN, L+G E450 start with it);
  //  - a string as the first top-level element: the list version (Kamstrup, Kaifa NO);
  //  - a string as the last top-level element: the meter number (EVN: "meter number
  //    last, untagged", Netz NÖ customer interface description).
  Result<void> visit_unnamed(const Leaf& value, std::size_t depth, std::size_t index,
                             std::size_t siblings);

  Builder& out_;
  std::optional<PendingName> pending_;
  std::optional<std::size_t> scalable_;  // register a following scaler-unit belongs to
  std::size_t named_values_{0};
  bool meter_number_last_{false};
};

// After a successful walk: the list id, the list's scalers and the profile name.
Result<std::string_view> obis_tagged_profile(const ObisTaggedWalk& walk, std::string_view forced,
                                             Builder& out);

Result<std::string_view> decode_obis_tagged(const Value& body, std::string_view forced,
                                            Builder& out);

}  // namespace sm::cosem::detail
