// The direct path: the OBIS-tagged walk run straight over the A-XDR bytes.
#include "cosem/direct_walk.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "common/byte_reader.h"
#include "common/endian.h"
#include "cosem/obis_walk.h"
#include "cosem/profiles.h"
#include "dlms/apdu.h"
#include "dlms/apdu_tags.h"

namespace sm::cosem::detail {
namespace {

// The OBIS-tagged walk run straight over the A-XDR bytes of a data-notification, without
// building the value tree first: flat and nested OBIS lists (nearly every push) decode in
// one pass. It drives the same ObisTaggedWalk steps with the same value conversions, on a
// narrow grammar: short-form lengths, boolean / integer / enum / string values, at most
// kDirectMaxDepth nested containers. On anything else, and on every error, it gives up
// (nullopt) and the caller decodes the frame the general way, which then yields the same
// Reading or the error with its exact message and offset.

constexpr std::size_t kDirectMaxDepth = 4;

constexpr bool is_container_tag_byte(std::uint8_t tag) noexcept {
  return tag == static_cast<std::uint8_t>(Tag::array) ||
         tag == static_cast<std::uint8_t>(Tag::structure);
}

constexpr bool is_octets_tag_byte(std::uint8_t tag) noexcept {
  return tag == static_cast<std::uint8_t>(Tag::octet_string) ||
         tag == static_cast<std::uint8_t>(Tag::visible_string) ||
         tag == static_cast<std::uint8_t>(Tag::utf8_string);
}

class DirectWalk {
 public:
  enum class Match { no, done, failed };

  DirectWalk(ByteReader& r, const dlms::AxdrLimits& limits, ObisTaggedWalk& walk)
      : r_(r), limits_(limits), walk_(walk) {}

  // The elements of the body container whose header was just read (level 1).
  bool body_elements(std::size_t count) { return elements(count, 1); }

  // Whether an element of the body was a container (a scaler-unit structure counts too).
  [[nodiscard]] bool saw_nested_container() const noexcept { return saw_nested_container_; }

  // Reads a container header: tag byte, short-form count. False for anything the
  // general decoder would treat differently (long counts, limits, too few bytes).
  bool container_header(std::size_t level, std::size_t& count) {
    const auto rest = r_.rest();
    if (rest.size() < 2 || !is_container_tag_byte(rest[0]) || rest[1] >= 0x80) return false;
    count = rest[1];
    if (level > limits_.max_depth || level > kDirectMaxDepth || count > limits_.max_elements ||
        count > rest.size() - 2 || !count_node()) {
      return false;
    }
    (void)r_.try_skip(2);
    return true;
  }

 private:
  bool count_node() { return ++nodes_ <= limits_.max_nodes; }
  // How many of `most` items of `values` values each the node limit leaves room for.
  [[nodiscard]] std::size_t room_for(std::size_t most, std::size_t values) const noexcept {
    return std::min(most, nodes_ < limits_.max_nodes ? (limits_.max_nodes - nodes_) / values : 0);
  }
  bool count_nodes(std::size_t n) {
    nodes_ += n;
    return nodes_ <= limits_.max_nodes;
  }

  [[gnu::hot]] bool elements(std::size_t count, std::size_t level) {
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t taken = 0;
      if (const Match m = named_integers(i, count, taken); m != Match::no) {
        if (m == Match::failed) return false;
        i += taken - 1;  // names and their values
        continue;
      }
      if (const Match m = starts_register_triple(r_.rest())
                              ? register_triples(level, count - i, taken)
                              : Match::no;
          m != Match::no) {
        if (m == Match::failed) return false;
        i += taken - 1;
        continue;
      }
      if (!element(level, i, count)) return false;
    }
    return !walk_.name_pending();  // a name without its value: an error, decoded generally
  }

  bool element(std::size_t depth, std::size_t index, std::size_t siblings) {
    const auto rest = r_.rest();
    if (rest.empty()) return false;
    const std::uint8_t tag = rest[0];
    if (is_container_tag_byte(tag)) {
      if (const Match m = scaler_unit(depth); m != Match::no) return m == Match::done;
      if (const Match m = register_triple(depth); m != Match::no) return m == Match::done;
      walk_.break_adjacency();
      std::size_t count = 0;
      if (walk_.name_pending() || !container_header(depth + 1, count)) return false;
      saw_nested_container_ = true;
      return elements(count, depth + 1);
    }
    walk_.break_adjacency();
    if (!walk_.name_pending() && is_obis_name(rest)) return obis_name();
    Leaf value;
    if (!leaf(value)) return false;
    return walk_.visit_leaf(value, depth, index, siblings).has_value();
  }

  // An OBIS code (octet-string of 6 bytes) that visit_leaf() would take as the name of
  // the next value: handed over without building its Value.
  bool is_obis_name(std::span<const std::uint8_t> rest) const noexcept {
    return rest.size() >= 8 && rest[0] == static_cast<std::uint8_t>(Tag::octet_string) &&
           rest[1] == 6 && limits_.max_string_length >= 6;
  }

  // An OBIS code followed by an integer (or boolean) in the same container, the most
  // common pair, and as many such pairs as follow it (the flat lists of the L+G E450,
  // Sagemcom, ...): what obis_name(), then element() and visit_leaf() of the value, do
  // for each, in one step. `taken`: the elements consumed (two per pair). `no`: the
  // bytes are something else.
  [[gnu::always_inline]] Match named_integers(std::size_t index, std::size_t siblings,
                                              std::size_t& taken) {
    if (index + 1 >= siblings || walk_.name_pending()) return Match::no;
    const auto rest = r_.rest();
    if (!is_obis_name(rest) || rest.size() < 9) return Match::no;
    const auto integer = dlms::integer_tag(rest[8]);
    if (integer.kind == dlms::IntegerKind::none || rest.size() - 9 < integer.width) {
      return Match::no;
    }
    if (std::int64_t raw = 0; !integer_value(integer, rest.subspan(9, integer.width), raw)) {
      // An unsigned value beyond INT64_MAX: a Leaf takes it.
      if (!count_nodes(2)) return Match::failed;
      walk_.break_adjacency();
      (void)r_.try_skip(8);
      Leaf value;
      read_integer(integer, value);
      taken = 2;
      return walk_.named_number(*Obis::from_bytes(rest.subspan(2, 6)), value) ? Match::done
                                                                              : Match::failed;
    }
    return integer_pairs((siblings - index) / 2, taken) ? Match::done : Match::failed;
  }

  // The run of pairs named_integers() found (at least one, the first checked), at most
  // `most`: stops at anything else, including an unsigned value beyond INT64_MAX. False
  // when the node limit is reached. The loop only reads the bytes and builds the
  // registers; the rest is done once for the run.
  [[gnu::noinline]] bool integer_pairs(std::size_t most, std::size_t& taken) {
    const std::size_t room = room_for(most, 2);  // two values a pair
    if (room == 0) return false;
    const auto rest = r_.rest();
    const std::uint8_t* p = rest.data();
    std::size_t left = rest.size();
    std::vector<Register>& registers = walk_.run_registers();
    std::size_t pairs = 0;
    for (; pairs < room; ++pairs) {
      if (left < 9 || p[0] != static_cast<std::uint8_t>(Tag::octet_string) || p[1] != 6) break;
      const auto integer = dlms::integer_tag(p[8]);
      if (integer.kind == dlms::IntegerKind::none || left - 9 < integer.width) break;
      std::int64_t raw = 0;
      if (!integer_value(integer, std::span(p + 9, integer.width), raw)) break;
      Obis code;
      std::memcpy(code.v.data(), p + 2, code.v.size());
      registers.emplace_back(code, raw, static_cast<double>(raw), 0, kUnitNone);
      p += 9 + integer.width;
      left -= 9 + integer.width;
    }
    nodes_ += 2 * pairs;
    walk_.run_appended(false);
    (void)r_.try_skip(rest.size() - left);
    taken = 2 * pairs;
    return true;
  }

  // The value of an integer-like A-XDR value (its tag `integer`, its `content` present)
  // as an int64; false for an unsigned value beyond INT64_MAX (a Leaf takes that).
  [[gnu::always_inline]] static bool integer_value(dlms::IntegerTag integer,
                                                   std::span<const std::uint8_t> content,
                                                   std::int64_t& raw) noexcept {
    switch (integer.kind) {
      case dlms::IntegerKind::boolean:
        raw = content[0] != 0 ? 1 : 0;
        return true;
      case dlms::IntegerKind::signed_int:
        raw = load_be_signed(content);
        return true;
      default: {
        const std::uint64_t u = load_be_unsigned(content);
        raw = static_cast<std::int64_t>(u);
        return u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      }
    }
  }

  // structure {OBIS code, integer, structure {signed integer, enum}} (a Register's
  // logical name, value and scaler-unit, as KSM West, Aidon and Iskra nest them), the
  // structure's header at the reader and no name pending: what container_header(),
  // named_integer() and scaler_unit() do for it, in one step. `no`: something else.
  [[gnu::always_inline]] Match register_triple(std::size_t depth) {
    const auto rest = r_.rest();
    if (walk_.name_pending() || limits_.max_string_length < 6) return Match::no;
    const auto shape = triple_shape(rest.data(), rest.size());
    if (!shape) return Match::no;
    const auto [integer, pair_at, scaler_tag, unit_at] = *shape;
    // Six values: the triple, its name and value, the pair and its two fields; the
    // triple opens level depth + 1, the pair depth + 2.
    const std::size_t deepest = depth + 2;
    if (deepest > limits_.max_depth || deepest > kDirectMaxDepth || limits_.max_elements < 3) {
      return Match::failed;
    }
    if (!count_nodes(6)) return Match::failed;
    const std::int64_t scaler = load_be_signed(rest.subspan(pair_at + 3, scaler_tag.width));
    if (scaler < -kMaxAbsScaler || scaler > kMaxAbsScaler) return Match::failed;
    walk_.break_adjacency();
    const Obis code = *Obis::from_bytes(rest.subspan(4, 6));
    saw_nested_container_ = true;
    if (std::int64_t raw = 0; integer_value(integer, rest.subspan(11, integer.width), raw)) {
      walk_.named_integer(code, raw, static_cast<int>(scaler), rest[unit_at + 1]);
      walk_.scaled_by_frame();
      (void)r_.try_skip(unit_at + 2);
      return Match::done;
    }
    (void)r_.try_skip(10);
    Leaf value;
    read_integer(integer, value);
    if (!walk_.named_scaled_number(code, value, static_cast<int>(scaler), rest[unit_at + 1])) {
      return Match::failed;
    }
    (void)r_.try_skip(unit_at + 2 - pair_at);
    return Match::done;
  }

  // Where the parts of a structure {OBIS code, integer, structure {signed integer, enum}}
  // lie, for the `left` bytes at `p`; nullopt when they are something else.
  struct TripleShape {
    dlms::IntegerTag integer;     // the value's tag, at 10
    std::size_t pair_at;          // the scaler-unit structure
    dlms::IntegerTag scaler_tag;  // at pair_at + 2
    std::size_t unit_at;          // the unit's enum tag
  };
  [[gnu::always_inline]] static std::optional<TripleShape> triple_shape(const std::uint8_t* p,
                                                                        std::size_t left) noexcept {
    if (left < 11 || p[0] != static_cast<std::uint8_t>(Tag::structure) || p[1] != 3 ||
        p[2] != static_cast<std::uint8_t>(Tag::octet_string) || p[3] != 6) {
      return std::nullopt;
    }
    const auto integer = dlms::integer_tag(p[10]);
    if (integer.kind == dlms::IntegerKind::none) return std::nullopt;
    const std::size_t pair_at = 11 + integer.width;
    if (left < pair_at + 4 || p[pair_at] != static_cast<std::uint8_t>(Tag::structure) ||
        p[pair_at + 1] != 2) {
      return std::nullopt;
    }
    const auto scaler_tag = dlms::integer_tag(p[pair_at + 2]);
    if (scaler_tag.kind != dlms::IntegerKind::signed_int) return std::nullopt;
    const std::size_t unit_at = pair_at + 3 + scaler_tag.width;
    if (left < unit_at + 2 || p[unit_at] != static_cast<std::uint8_t>(Tag::enum_)) {
      return std::nullopt;
    }
    return TripleShape{integer, pair_at, scaler_tag, unit_at};
  }

  // The first bytes of such a structure (register_triples() checks the rest).
  static bool starts_register_triple(std::span<const std::uint8_t> rest) noexcept {
    return rest.size() >= 11 && rest[0] == static_cast<std::uint8_t>(Tag::structure) &&
           rest[1] == 3;
  }

  // A run of up to `most` structures {OBIS code, integer, structure {signed integer,
  // enum}}, the first at the reader: what register_triple() does for each, in one loop
  // over the bytes that only builds the registers (KSM West sends eight in a row).
  // `taken`: how many. `no` when the first is not one register_triple() would take the
  // same way (it then decides); a run stops before such a one.
  [[gnu::noinline]] Match register_triples(std::size_t depth, std::size_t most,
                                           std::size_t& taken) {
    if (walk_.name_pending() || limits_.max_string_length < 6) return Match::no;
    // Six values a structure: the structure, its name and value, the pair and its two
    // fields; the structure opens level depth + 1, the pair depth + 2.
    const std::size_t deepest = depth + 2;
    const bool levels_ok =
        deepest <= limits_.max_depth && deepest <= kDirectMaxDepth && limits_.max_elements >= 3;
    const std::size_t room = room_for(most, 6);
    const auto rest = r_.rest();
    const std::uint8_t* p = rest.data();
    std::size_t left = rest.size();
    std::vector<Register>& registers = walk_.run_registers();
    std::size_t n = 0;
    for (; n < most; ++n) {
      const auto shape = triple_shape(p, left);
      if (!shape) break;
      const auto [integer, pair_at, scaler_tag, unit_at] = *shape;
      // The shape is right: limits and range decide now (register_triple()'s `failed`).
      const std::int64_t scaler = load_be_signed(std::span(p + pair_at + 3, scaler_tag.width));
      std::int64_t raw = 0;
      if (!levels_ok || n == room || scaler < -kMaxAbsScaler || scaler > kMaxAbsScaler ||
          !integer_value(integer, std::span(p + 11, integer.width), raw)) {
        break;
      }
      Obis code;
      std::memcpy(code.v.data(), p + 4, code.v.size());
      const int exponent = static_cast<int>(scaler);
      registers.emplace_back(code, raw, apply_scaler(static_cast<double>(raw), exponent), exponent,
                             p[unit_at + 1]);
      p += unit_at + 2;
      left -= unit_at + 2;
    }
    if (n == 0) return Match::no;
    nodes_ += 6 * n;
    saw_nested_container_ = true;
    walk_.run_appended(true);
    (void)r_.try_skip(rest.size() - left);
    taken = n;
    return Match::done;
  }

  bool obis_name() {
    if (!count_node()) return false;
    const auto rest = r_.rest();
    walk_.name_next(*Obis::from_bytes(rest.subspan(2, 6)), r_.offset());
    (void)r_.try_skip(8);
    return true;
  }

  // structure {signed integer, enum} (is_scaler_unit() on the bytes) at walk depth
  // `depth`: attached to the numeric value before it. `no`: the bytes are not one.
  [[gnu::always_inline]] Match scaler_unit(std::size_t depth) {
    const auto rest = r_.rest();
    if (rest.size() < 4 || rest[0] != static_cast<std::uint8_t>(Tag::structure) || rest[1] != 2) {
      return Match::no;
    }
    const auto scaler_tag = dlms::integer_tag(rest[2]);
    if (scaler_tag.kind != dlms::IntegerKind::signed_int) return Match::no;
    const std::size_t width = scaler_tag.width;
    const std::size_t unit_at = 3 + width;
    if (rest.size() < unit_at + 2 || rest[unit_at] != static_cast<std::uint8_t>(Tag::enum_)) {
      return Match::no;
    }
    // Three values (the structure and its two elements); the structure opens a level.
    const std::size_t level = depth + 1;
    if (level > limits_.max_depth || level > kDirectMaxDepth || limits_.max_elements < 2 ||
        !count_nodes(3)) {
      return Match::failed;
    }
    ScalerUnit scaler_unit;
    const std::size_t pair_offset = r_.offset();
    scaler_unit.scaler_offset = pair_offset + 2;
    scaler_unit.scaler = load_be_signed(rest.subspan(3, width));
    scaler_unit.unit = rest[unit_at + 1];
    if (!walk_.attach_scaler_unit(scaler_unit, pair_offset)) return Match::failed;
    saw_nested_container_ = true;
    (void)r_.try_skip(unit_at + 2);
    return Match::done;
  }

  bool leaf(Leaf& value) {
    const auto rest = r_.rest();
    const std::uint8_t tag = rest[0];
    value.tag = static_cast<Tag>(tag);
    value.offset = r_.offset();
    if (is_octets_tag_byte(tag)) {
      if (rest.size() < 2 || rest[1] >= 0x80 || rest[1] > limits_.max_string_length ||
          rest.size() - 2 < rest[1] || !count_node()) {
        return false;
      }
      value.kind = Leaf::Kind::bytes;
      value.content = rest.subspan(2, rest[1]);
      (void)r_.try_skip(2 + value.content.size());
      return true;
    }
    if (tag == static_cast<std::uint8_t>(Tag::null_data)) {
      (void)r_.try_skip(1);
      return count_node();
    }
    const auto integer = dlms::integer_tag(tag);
    if (integer.kind == dlms::IntegerKind::none || rest.size() - 1 < integer.width ||
        !count_node()) {
      return false;
    }
    read_integer(integer, value);
    return true;
  }

  // The integer-like value at the reader (its tag `integer`, its bytes present).
  [[gnu::always_inline]] void read_integer(dlms::IntegerTag integer, Leaf& value) {
    const auto rest = r_.rest();
    value.tag = static_cast<Tag>(rest[0]);
    value.offset = r_.offset();
    const auto content = rest.subspan(1, integer.width);
    switch (integer.kind) {
      case dlms::IntegerKind::boolean:
        value.kind = Leaf::Kind::boolean;
        value.flag = content[0] != 0;
        break;
      case dlms::IntegerKind::signed_int:
        value.kind = Leaf::Kind::signed_int;
        value.signed_int = load_be_signed(content);
        break;
      default:
        value.kind = Leaf::Kind::unsigned_int;
        value.unsigned_int = load_be_unsigned(content);
        break;
    }
    (void)r_.try_skip(1 + integer.width);
  }

  ByteReader& r_;
  const dlms::AxdrLimits& limits_;
  ObisTaggedWalk& walk_;
  std::size_t nodes_{0};
  bool saw_nested_container_{false};
};

// True when a body that starts with these bytes could be a self-describing push, which
// comes before the OBIS walk in "auto": the direct path then leaves it to the general one.
bool may_be_self_describing(std::size_t count, std::uint8_t first) {
  return count == 0 || first == static_cast<std::uint8_t>(Tag::array);
}

// True when a structure of `count` elements could match a positional layout (tried before
// the OBIS walk in "auto"). Only when none of its top-level elements is a container: no
// field kind of a layout matches a container (see field_matches()).
bool may_be_positional(std::uint8_t body_tag, std::size_t count) {
  if (body_tag != static_cast<std::uint8_t>(Tag::structure)) return false;
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
  if (apdu.empty() || apdu[0] != dlms::apdu_tag::data_notification) return false;
  ByteReader r(apdu, Layer::dlms, "data-notification");
  const auto header = dlms::read_notification_header(r);
  if (!header) return false;
  std::optional<dlms::DateTime> header_time;
  if (!header->date_time.empty()) header_time = dlms::try_parse_date_time(header->date_time);

  const auto body = r.rest();
  if (body.size() < 3 || may_be_self_describing(body[1], body[2])) return false;
  const std::size_t body_offset = r.offset();
  clear_keeping_storage(reading);
  Builder out(reading);
  out.header_time = header_time;
  out.header_time_bytes = header->date_time;
  ObisTaggedWalk walk(out);
  DirectWalk direct(r, limits, walk);
  std::size_t count = 0;
  if (!direct.container_header(1, count)) return false;
  out.reserve(count);
  if (!direct.body_elements(count) || !r.empty() || !walk.check_named(body_offset)) {
    return false;
  }
  if (!direct.saw_nested_container() && may_be_positional(body[0], count)) return false;
  auto profile = obis_tagged_profile(walk, {}, out);
  if (!profile) return false;
  reading.profile.assign(*profile);
  finish(out);
  return true;
}

}  // namespace sm::cosem::detail
