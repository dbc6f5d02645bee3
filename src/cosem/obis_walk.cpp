// The OBIS-tagged walk over a value tree (the general path), and the profile it names.
#include "cosem/obis_walk.h"

#include "cosem/implied_units.h"
#include "cosem/value_text.h"

namespace sm::cosem::detail {

constexpr std::size_t kMaxWalkDepth = 32;  // the A-XDR decoder already limits depth to 16

Result<void> ObisTaggedWalk::run(const Value& body) {
  if (!body.is_container()) {
    return cosem_error(ErrorCode::unsupported, body.offset, "body is a single " + type_name(body));
  }
  if (auto done = visit_container(body, 0); !done) return done;
  return check_named(body.offset);
}

Result<void> ObisTaggedWalk::visit_container(const Value& container, std::size_t depth) {
  if (depth > kMaxWalkDepth) {
    return cosem_error(ErrorCode::decode, container.offset,
                       "nesting deeper than " + std::to_string(kMaxWalkDepth));
  }
  const auto& kids = *container.children();
  for (std::size_t i = 0; i < kids.size(); ++i) {
    if (auto done = visit(kids[i], depth + 1, i, kids.size()); !done) return done;
  }
  // A name cannot reach into the next structure: {OBIS} {value} is a truncated triple.
  if (pending_) {
    return cosem_error(ErrorCode::decode, pending_->offset,
                       "OBIS code " + pending_->code.to_string() + " is the last element of its " +
                           std::string(dlms::tag_name(container.tag)) + "; its value is missing");
  }
  return {};
}

Result<void> ObisTaggedWalk::visit(const Value& value, std::size_t depth, std::size_t index,
                                   std::size_t siblings) {
  if (is_scaler_unit(value)) return attach_scaler_unit(value);
  break_adjacency();

  if (value.is_container()) {
    if (pending_) {
      return cosem_error(ErrorCode::unsupported, value.offset,
                         "OBIS code " + pending_->code.to_string() + " names a " +
                             type_name(value) + " (structured values are not supported)");
    }
    return visit_container(value, depth);
  }
  return visit_leaf(leaf_of(value), depth, index, siblings);
}

Result<void> ObisTaggedWalk::attach_scaler_unit(const Value& pair) {
  return attach_scaler_unit(read_scaler_unit(pair), pair.offset);
}

Result<void> ObisTaggedWalk::visit_unnamed(const Leaf& value, std::size_t depth, std::size_t index,
                                           std::size_t siblings) {
  if (value.tag == Tag::null_data) return {};
  if (auto time = out_.time_of(value)) {
    if (out_.reading.find(kClock) == nullptr) out_.add_clock(kClock, *time, *value.bytes());
    return {};
  }
  const bool top_level_string = depth == 1 && value.is_octets();
  if (top_level_string && index == 0 && siblings > 1) {
    out_.add_text(kListVersion, bytes_text(*value.bytes()));
    out_.reading.list_id = out_.reading.registers.back().text;
    return {};
  }
  if (top_level_string && index + 1 == siblings && siblings > 1) {
    out_.add_text(kMeterSerial, bytes_text(*value.bytes()));
    meter_number_last_ = true;
    return {};
  }
  return cosem_error(
      ErrorCode::unsupported, value.offset,
      type_name(value) + " at offset " + std::to_string(value.offset) + " has no OBIS code");
}

Result<std::string_view> decode_obis_tagged(const Value& body, std::string_view forced,
                                            Builder& out) {
  ObisTaggedWalk walk(out);
  if (auto done = walk.run(body); !done) return tl::unexpected(done.error());
  return obis_tagged_profile(walk, forced, out);
}

Result<std::string_view> obis_tagged_profile(const ObisTaggedWalk& walk, std::string_view forced,
                                             Builder& out) {
  if (!out.reading.list_id && out.list_version_text != kNoRegister) {
    out.reading.list_id = out.reading.registers[out.list_version_text].text;
  }
  mark_as_sent(out);
  const profiles::ListScalers* table = forced.empty() ? nullptr : scaler_table_named(forced);
  const bool forced_table = table != nullptr;
  if (table == nullptr) table = select_scaler_table(out.reading);
  if (table != nullptr) {
    (void)apply_scaler_table(*table, out.reading);
    if (forced_table || !table->list_id.empty()) return table->profile;
  }
  if (!forced.empty()) return forced;
  return walk.meter_number_was_last() ? kEvn : kObisTagged;
}

}  // namespace sm::cosem::detail
