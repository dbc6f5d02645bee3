#include "cosem/implied_units.h"

#include <algorithm>
#include <span>

#include "cosem/scaling.h"

namespace sm::cosem {
namespace {

constexpr std::uint8_t kElectricity = 1;  // value group A of every row

bool list_id_matches(const profiles::ListScalers& table, const Reading& reading) {
  if (table.list_id.empty()) return true;
  return reading.list_id && std::string_view(*reading.list_id) == table.list_id;
}

// The Reading's codes and the signature are the same set (both small: a linear search).
bool signature_matches(std::span<const Obis> signature, const Reading& reading) {
  if (signature.empty()) return true;
  const auto in_signature = [signature](const Register& reg) {
    return std::find(signature.begin(), signature.end(), reg.obis) != signature.end();
  };
  if (!std::all_of(reading.registers.begin(), reading.registers.end(), in_signature)) return false;
  return std::all_of(signature.begin(), signature.end(),
                     [&reading](const Obis& code) { return reading.find(code) != nullptr; });
}

const profiles::ScalerRow* row_for(const profiles::ListScalers& table, const Obis& code) {
  if (code.v[0] != kElectricity) return nullptr;
  const auto it = std::find_if(table.rows.begin(), table.rows.end(), [&code](const auto& row) {
    return row.c == code.v[2] && row.d == code.v[3];
  });
  return it == table.rows.end() ? nullptr : &*it;
}

}  // namespace

const profiles::ListScalers* select_scaler_table(const Reading& reading) noexcept {
  // A table chosen by its signature alone would change nothing when every register's
  // scaler came from the frame: the signatures are not compared then.
  const bool any_as_sent =
      std::any_of(reading.registers.begin(), reading.registers.end(),
                  [](const Register& reg) { return reg.scaling == Scaling::as_sent; });
  for (const auto& table : profiles::list_scaler_tables()) {
    if (table.list_id.empty() && (table.signature.empty() || !any_as_sent)) continue;
    if (list_id_matches(table, reading) && signature_matches(table.signature, reading)) {
      return &table;
    }
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
    reg.scaler = row->scaler;
    reg.unit = row->unit;
    reg.value = apply_scaler(unscaled, row->scaler);
    reg.scaling = Scaling::implied;
    ++changed;
  }
  if (changed > 0) reading.implied_units = table.source;
  return changed;
}

}  // namespace sm::cosem
