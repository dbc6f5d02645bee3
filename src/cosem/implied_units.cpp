#include "cosem/implied_units.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "cosem/scaling.h"

namespace sm::cosem {
namespace {

constexpr std::uint8_t kElectricity = 1;  // value group A of every row

bool list_id_matches(const profiles::ListScalers& table, const Reading& reading) {
  if (table.list_id.empty()) return true;
  return reading.list_id && std::string_view(*reading.list_id) == table.list_id;
}

// A code as one integer (its six bytes in order), for sorting and comparing sets of codes.
std::uint64_t key_of(const Obis& code) noexcept {
  std::uint64_t key = 0;
  for (const std::uint8_t b : code.v) key = (key << 8) | b;
  return key;
}

using SortedKeys = std::vector<std::uint64_t>;

SortedKeys sorted_unique(SortedKeys keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// Each table's signature as sorted distinct keys, same index as list_scaler_tables();
// built once.
const std::vector<SortedKeys>& sorted_signatures() {
  static const std::vector<SortedKeys> signatures = [] {
    std::vector<SortedKeys> out;
    for (const auto& table : profiles::list_scaler_tables()) {
      SortedKeys keys;
      for (const Obis& code : table.signature) keys.push_back(key_of(code));
      out.push_back(sorted_unique(std::move(keys)));
    }
    return out;
  }();
  return signatures;
}

// The Reading's distinct codes, sorted, in place (no allocation per frame). A list of more
// registers than kMaxCodes is no table's signature (they have about 20 codes).
class ReadingCodes {
 public:
  static constexpr std::size_t kMaxCodes = 64;
  explicit ReadingCodes(const Reading& reading) noexcept {
    if (reading.registers.size() > kMaxCodes) return;
    for (const Register& reg : reading.registers) keys_[size_++] = key_of(reg.obis);
    std::sort(keys_.begin(), keys_.begin() + size_);
    size_ =
        static_cast<std::size_t>(std::unique(keys_.begin(), keys_.begin() + size_) - keys_.begin());
    usable_ = true;
  }
  // The Reading's codes and the signature are the same set.
  [[nodiscard]] bool same_set(const SortedKeys& signature) const noexcept {
    return usable_ &&
           std::equal(keys_.begin(), keys_.begin() + size_, signature.begin(), signature.end());
  }

 private:
  std::array<std::uint64_t, kMaxCodes> keys_{};
  std::size_t size_ = 0;
  bool usable_ = false;
};

const profiles::ScalerRow* row_for(const profiles::ListScalers& table, const Obis& code) {
  if (code.v[0] != kElectricity) return nullptr;
  const auto it = std::find_if(table.rows.begin(), table.rows.end(), [&code](const auto& row) {
    return row.c == code.v[2] && row.d == code.v[3];
  });
  return it == table.rows.end() ? nullptr : &*it;
}

// The row's scaler, or its finer one when the raw value is beyond what the documented
// resolution can mean (see profiles::ScalerRow).
int scaler_for(const profiles::ScalerRow& row, double unscaled) noexcept {
  const bool finer =
      row.finer_from != 0 && std::fabs(unscaled) >= static_cast<double>(row.finer_from);
  return finer ? row.finer_scaler : row.scaler;
}

}  // namespace

const profiles::ListScalers* select_scaler_table(const Reading& reading) noexcept {
  // A table chosen by its signature alone would change nothing when every register's
  // scaler came from the frame: the signatures are not compared then.
  const bool any_as_sent =
      std::any_of(reading.registers.begin(), reading.registers.end(),
                  [](const Register& reg) { return reg.scaling == Scaling::as_sent; });
  const auto tables = profiles::list_scaler_tables();
  const auto& signatures = sorted_signatures();
  std::optional<ReadingCodes> codes;  // sorted once, only when a signature is compared
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const auto& table = tables[i];
    const bool by_layout = !table.layout.empty();
    if (table.list_id.empty() && !by_layout && (table.signature.empty() || !any_as_sent)) {
      continue;
    }
    if (by_layout && reading.profile != table.layout) continue;
    if (!list_id_matches(table, reading)) continue;
    if (!table.signature.empty()) {
      // Fewer registers than codes cannot carry every code: no sorting needed.
      if (reading.registers.size() < signatures[i].size()) continue;
      if (!codes) codes.emplace(reading);
      if (!codes->same_set(signatures[i])) continue;
    }
    return &table;
  }
  return nullptr;
}

const profiles::ListScalers* scaler_table_named(std::string_view name) noexcept {
  for (const auto& table : profiles::list_scaler_tables()) {
    if (table.profile == name) return &table;
  }
  return nullptr;
}

std::size_t apply_scaler_table(const profiles::ListScalers& table, Reading& reading) noexcept {
  std::size_t changed = 0;
  for (Register& reg : reading.registers) {
    if (!reg.numeric() || reg.scaling != Scaling::as_sent) continue;
    const profiles::ScalerRow* row = row_for(table, reg.obis);
    if (row == nullptr) continue;
    // As sent means scaler 0: the value is the number itself.
    const double unscaled = reg.raw ? static_cast<double>(*reg.raw) : reg.value;
    const int scaler = scaler_for(*row, unscaled);
    reg.scaler = scaler;
    reg.unit = row->unit;
    reg.value = apply_scaler(unscaled, scaler);
    reg.scaling = Scaling::implied;
    ++changed;
  }
  if (changed > 0) reading.implied_units = table.source;
  return changed;
}

}  // namespace sm::cosem
