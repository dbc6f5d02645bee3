// The direct path: the OBIS-tagged walk run over the A-XDR cursor's items.
#include "cosem/direct_walk.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "common/byte_reader.h"
#include "cosem/obis_walk.h"
#include "cosem/profiles.h"
#include "dlms/apdu.h"
#include "dlms/apdu_tags.h"
#include "dlms/axdr_cursor.h"

namespace sm::cosem::detail {
namespace {

// The OBIS-tagged walk run over the A-XDR items of a data-notification's body, as the
// A-XDR cursor (dlms/axdr_cursor.h) reads them, without building the value tree first:
// flat and nested OBIS lists (nearly every push) decode in one pass. It drives the same
// ObisTaggedWalk steps with the same value conversions, on a narrow grammar: short-form
// strings, boolean / integer / enum / string values, at most kDirectMaxDepth nested
// containers. On anything else, and on every error, it gives up (false) and the caller
// decodes the frame the general way, which then yields the same Reading or the error with
// its exact message and offset. The A-XDR limits are the cursor's: a value it declines or
// an error it reports ends the direct path where it ends the general decoder.

constexpr std::size_t kDirectMaxDepth = 4;

using dlms::AxdrCursor;
using dlms::AxdrItem;
using dlms::IntegerKind;
using dlms::IntegerLeaf;
using dlms::StringLeaf;

constexpr bool is_string_tag_byte(std::uint8_t tag) noexcept {
  return tag == static_cast<std::uint8_t>(Tag::octet_string) ||
         tag == static_cast<std::uint8_t>(Tag::visible_string) ||
         tag == static_cast<std::uint8_t>(Tag::utf8_string);
}

constexpr bool is_container_tag_byte(std::uint8_t tag) noexcept {
  return tag == static_cast<std::uint8_t>(Tag::array) ||
         tag == static_cast<std::uint8_t>(Tag::structure);
}

// The cursor's leaves as the walk takes them.
Leaf leaf_of(const IntegerLeaf& v) noexcept {
  Leaf leaf;
  leaf.tag = v.tag;
  leaf.offset = v.offset;
  switch (v.kind) {
    case IntegerKind::boolean:
      leaf.kind = Leaf::Kind::boolean;
      leaf.flag = v.bits != 0;
      break;
    case IntegerKind::signed_int:
      leaf.kind = Leaf::Kind::signed_int;
      leaf.signed_int = static_cast<std::int64_t>(v.bits);
      break;
    default:
      leaf.kind = Leaf::Kind::unsigned_int;
      leaf.unsigned_int = v.bits;
      break;
  }
  return leaf;
}

Leaf leaf_of(const StringLeaf& s) noexcept {
  Leaf leaf;
  leaf.tag = s.tag;
  leaf.offset = s.offset;
  leaf.kind = Leaf::Kind::bytes;
  leaf.content = s.content;
  return leaf;
}

// The OBIS code of a logical name the cursor read (6 content bytes): copied as one block
// (Obis::from_bytes() checks the size, which the run readers have done).
Obis obis_of_name(std::span<const std::uint8_t> six) noexcept {
  Obis code;
  std::memcpy(code.v.data(), six.data(), code.v.size());
  return code;
}

// An OBIS code: an octet-string of 6 bytes.
std::optional<Obis> obis_name(const StringLeaf& s) noexcept {
  if (s.tag != Tag::octet_string || s.content.size() != 6) return std::nullopt;
  return obis_of_name(s.content);
}

class DirectWalk {
 public:
  DirectWalk(AxdrCursor& cursor, ObisTaggedWalk& walk) : cursor_(cursor), walk_(walk) {}

  // The elements of the body container just opened (level 1), and its close.
  bool body_elements(std::size_t count) { return elements(count, 1); }

  // Whether an element of the body was a container (a scaler-unit structure counts too).
  [[nodiscard]] bool saw_nested_container() const noexcept { return saw_nested_container_; }

 private:
  // The `count` elements of the container just opened at level `depth`, then its close.
  [[gnu::hot]] bool elements(std::size_t count, std::size_t depth) {
    for (std::size_t i = 0; i < count;) {
      const auto tag = cursor_.peek_tag();
      if (!tag) return false;
      std::size_t taken = 1;
      bool ok = false;
      if (is_string_tag_byte(*tag)) {
        ok = strings(depth, i, count, taken);
      } else if (is_container_tag_byte(*tag)) {
        ok = container(depth, taken);
      } else {
        ok = leaf(depth, i, count);
      }
      if (!ok) return false;
      i += taken;
    }
    AxdrItem close;
    if (!cursor_.step(close)) return false;  // the container's close
    return !walk_.name_pending();  // a name without its value: an error, decoded generally
  }

  // A string value. With no name pending, an OBIS code names the next value; the most
  // common pair, an OBIS code and an integer (or boolean), and as many such pairs as follow
  // it (the flat lists of the L+G E450, Sagemcom, ...) are appended as one run: what
  // visit_leaf() of the name and of the value does for each. `taken`: the elements read.
  [[gnu::always_inline]] bool strings(std::size_t depth, std::size_t index, std::size_t siblings,
                                      std::size_t& taken) {
    StringLeaf name;
    if (!cursor_.try_string(name)) return false;  // a long form, a limit, cut short
    const auto code = walk_.name_pending() ? std::nullopt : obis_name(name);
    if (!code) {
      walk_.break_adjacency();
      return walk_.visit_leaf(leaf_of(name), depth, index, siblings).has_value();
    }
    IntegerLeaf value;
    if (!cursor_.try_integer(value)) {
      walk_.break_adjacency();
      walk_.name_next(*code, name.offset);
      return true;
    }
    std::int64_t raw = 0;
    if (!value.as_int64(raw)) {  // beyond INT64_MAX: no raw integer, a Leaf takes it
      taken = 2;
      return named_leaf(*code, value);
    }
    taken = 2 + 2 * integer_pairs(*code, raw);
    return true;
  }

  // A run of OBIS code + integer pairs, the first (`code`, `raw`) read: the loop only
  // builds the registers; the rest is done once for the run. It stops at anything else,
  // and before an unsigned value beyond INT64_MAX (strings() takes that on its own).
  // Returns how many pairs followed the first.
  [[gnu::noinline]] std::size_t integer_pairs(const Obis& code, std::int64_t raw) {
    std::vector<Register>& registers = walk_.run_registers();
    registers.emplace_back(code, raw, static_cast<double>(raw), 0, kUnitNone);
    const std::size_t pairs =
        cursor_.take_octets_integers(6, [&](const StringLeaf& name, const IntegerLeaf& value) {
          std::int64_t v = 0;
          if (!value.as_int64(v)) return false;
          registers.emplace_back(*Obis::from_bytes(name.content), v, static_cast<double>(v), 0,
                                 kUnitNone);
          return true;
        });
    walk_.run_appended(false);
    return pairs;
  }

  // A number named by `code` that is no int64 (an unsigned value beyond INT64_MAX).
  bool named_leaf(const Obis& code, const IntegerLeaf& value) {
    walk_.break_adjacency();
    return walk_.named_number(code, leaf_of(value));
  }

  // A container: register structures {OBIS code, integer, {scaler, unit}} (a Register's
  // logical name, value and scaler-unit, as KSM West, Aidon and Iskra nest them; in runs),
  // a scaler-unit {signed integer, enum}, or any other container, walked element by
  // element. `taken`: the elements of the enclosing container read.
  bool container(std::size_t depth, std::size_t& taken) {
    if (!walk_.name_pending()) {
      std::size_t registers = 0;
      if (const auto done = register_structures(depth, registers)) {
        taken = registers;
        return *done;
      }
      if (const auto done = named_string_structures(depth, registers)) {
        taken = registers;
        return *done;
      }
    }
    AxdrItem open;
    if (!cursor_.step(open)) return false;
    if (open.tag() == Tag::structure && open.count == 2) {
      IntegerLeaf scaler;
      // {signed integer, enum} is a scaler-unit; an unnamed value first in a new container
      // is an error (decoded generally).
      if (cursor_.try_integer(scaler)) {
        return scaler.kind == IntegerKind::signed_int && scaler_unit(open, scaler);
      }
    }
    walk_.break_adjacency();
    if (walk_.name_pending() || open.depth > kDirectMaxDepth) return false;
    saw_nested_container_ = true;
    return elements(open.count, depth + 1);
  }

  // The scaler-unit whose structure and scaler were just read: attached to the numeric
  // value before it.
  bool scaler_unit(const AxdrItem& pair, const IntegerLeaf& scaler) {
    IntegerLeaf unit;
    AxdrItem close;
    if (pair.depth > kDirectMaxDepth || !cursor_.try_integer(unit) || unit.tag != Tag::enum_ ||
        !cursor_.step(close)) {
      return false;
    }
    ScalerUnit scaler_unit;
    scaler_unit.scaler = static_cast<std::int64_t>(scaler.bits);
    scaler_unit.unit = static_cast<std::int64_t>(unit.bits);
    scaler_unit.scaler_offset = scaler.offset;
    if (!walk_.attach_scaler_unit(scaler_unit, pair.offset)) return false;
    saw_nested_container_ = true;
    return true;
  }

  // Register structures in a row: what elements() of each does, in one loop that only
  // builds the registers (KSM West sends eight in a row). A run stops before anything
  // else. nullopt when none is next; false on an error. `taken`: how many.
  [[gnu::noinline]] std::optional<bool> register_structures(std::size_t depth, std::size_t& taken) {
    std::vector<Register>& registers = walk_.run_registers();
    std::size_t run = 0;                               // registers appended, not yet booked
    const bool levels = depth + 2 <= kDirectMaxDepth;  // the structure's and its scaler-unit's
    bool ok = true;
    // One register: appended to the run, or (an unsigned value beyond INT64_MAX, no raw
    // integer) added on its own as a Leaf. False ends the run: an error.
    taken = cursor_.take_registers([&](const dlms::RegisterLeaves& reg) {
      const auto scaler = static_cast<std::int64_t>(reg.scaler.bits);
      if (!levels || scaler < -kMaxAbsScaler || scaler > kMaxAbsScaler) return ok = false;
      const int exponent = static_cast<int>(scaler);
      const Obis code = obis_of_name(reg.name);
      std::int64_t raw = 0;
      if (reg.value.as_int64(raw)) {
        registers.emplace_back(code, raw, apply_scaler(static_cast<double>(raw), exponent),
                               exponent, reg.unit);
        ++run;
        return true;
      }
      if (run > 0) walk_.run_appended(true);
      run = 0;
      walk_.break_adjacency();
      return ok = walk_.named_scaled_number(code, leaf_of(reg.value), exponent, reg.unit);
    });
    if (taken == 0 && ok) return std::nullopt;
    if (!ok) return false;
    saw_nested_container_ = true;
    if (run > 0) walk_.run_appended(true);
    return true;
  }

  // Named strings in a row, structure {OBIS code, string} (KSM West's meter number and
  // device name): what elements() of each does (the name, then visit_leaf() of the value
  // it names), without the generic items. nullopt when none is next; false on an error.
  // `taken`: how many.
  [[gnu::noinline]] std::optional<bool> named_string_structures(std::size_t depth,
                                                                std::size_t& taken) {
    if (depth + 1 > kDirectMaxDepth) return std::nullopt;  // decoded generally
    bool ok = true;
    taken = cursor_.take_named_strings([&](const dlms::NamedStringLeaves& named) {
      walk_.break_adjacency();
      walk_.name_next(obis_of_name(named.name), named.name_offset);
      return ok = walk_.visit_leaf(leaf_of(named.value), depth + 1, 1, 2).has_value();
    });
    if (taken == 0 && ok) return std::nullopt;
    if (!ok) return false;
    saw_nested_container_ = true;
    return true;
  }

  // Any other value: an integer-like one or null (anything else is decoded generally).
  bool leaf(std::size_t depth, std::size_t index, std::size_t siblings) {
    walk_.break_adjacency();
    IntegerLeaf integer;
    if (cursor_.try_integer(integer)) {
      return walk_.visit_leaf(leaf_of(integer), depth, index, siblings).has_value();
    }
    AxdrItem item;
    if (!cursor_.step(item) || item.kind != AxdrItem::Kind::leaf || item.tag() != Tag::null_data) {
      return false;
    }
    Leaf null;
    null.offset = item.offset;
    return walk_.visit_leaf(null, depth, index, siblings).has_value();
  }

  AxdrCursor& cursor_;
  ObisTaggedWalk& walk_;
  bool saw_nested_container_{false};
};

// True when a body of `count` elements, the first with tag `first`, could be a self-describing
// push, which comes before the OBIS walk in "auto": the direct path then leaves it to the general
// one.
bool may_be_self_describing(std::size_t count, std::optional<std::uint8_t> first) {
  return count == 0 || first == static_cast<std::uint8_t>(Tag::array);
}

// True when a structure of `count` elements could match a positional layout (tried before
// the OBIS walk in "auto"). Only when none of its top-level elements is a container: no
// field kind of a layout matches a container (see field_matches()).
bool may_be_positional(Tag body_tag, std::size_t count) {
  if (body_tag != Tag::structure) return false;
  const auto layouts = profiles::positional_layouts();
  return std::any_of(layouts.begin(), layouts.end(),
                     [count](const auto& layout) { return layout.fields.size() == count; });
}

// `reading` emptied; its register list keeps its capacity (the Decoder hands in a
// recycled one).
void clear_keeping_storage(Reading& reading) {
  std::vector<Register> registers;
  registers.swap(reading.registers);
  registers.clear();
  reading = Reading{};
  reading.registers.swap(registers);
}

}  // namespace

[[gnu::hot]] bool decode_direct(std::span<const std::uint8_t> apdu, const dlms::AxdrLimits& limits,
                                Reading& reading) {
  if (byte_at(apdu, 0) != dlms::apdu_tag::data_notification) return false;
  ByteReader r(apdu, Layer::dlms, "data-notification");
  const auto header = dlms::read_notification_header(r);
  if (!header) return false;
  std::optional<dlms::DateTime> header_time;
  if (!header->date_time.empty()) header_time = dlms::try_parse_date_time(header->date_time);

  AxdrCursor cursor(r, limits);
  AxdrItem body;
  if (!cursor.step(body) || body.kind != AxdrItem::Kind::open ||
      may_be_self_describing(body.count, cursor.peek_tag())) {
    return false;
  }
  clear_keeping_storage(reading);
  Builder out(reading);
  out.header_time = header_time;
  out.header_time_bytes = header->date_time;
  ObisTaggedWalk walk(out);
  DirectWalk direct(cursor, walk);
  out.reserve(body.count);
  AxdrItem end;
  if (!direct.body_elements(body.count) || !cursor.step(end) || end.kind != AxdrItem::Kind::end ||
      !r.empty() || !walk.check_named(body.offset)) {
    return false;
  }
  if (!direct.saw_nested_container() && may_be_positional(body.tag(), body.count)) return false;
  auto profile = obis_tagged_profile(walk, {}, out);
  if (!profile) return false;
  reading.profile.assign(*profile);
  finish(out);
  return true;
}

}  // namespace sm::cosem::detail
