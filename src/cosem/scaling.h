// Applying a COSEM scaler (Blue Book 4.3.2: value = raw x 10^scaler) the one way the
// decoder and the implied-unit tables both use.
#pragma once

#include <array>
#include <cstddef>

namespace sm::cosem {

inline constexpr int kMaxAbsScaler = 20;  // 10^20 is still exact in a double; meters use -3..+3

constexpr double power_of_ten(int exponent) {
  double result = 1.0;
  for (int i = 0; i < exponent; ++i) result *= 10.0;  // exact up to 10^22
  return result;
}

// The same powers, looked up (every register's value goes through apply_scaler()).
inline constexpr auto kPowersOfTen = [] {
  std::array<double, kMaxAbsScaler + 1> powers{};
  for (int i = 0; i <= kMaxAbsScaler; ++i) powers[static_cast<std::size_t>(i)] = power_of_ten(i);
  return powers;
}();

inline double exact_power_of_ten(int exponent) {
  return exponent <= kMaxAbsScaler ? kPowersOfTen[static_cast<std::size_t>(exponent)]
                                   : power_of_ten(exponent);
}

// raw * 10^scaler, dividing for negative scalers so that 2337 with -1 gives the double
// nearest to 233.7 (multiplying by 0.1 would not).
inline double apply_scaler(double unscaled, int scaler) {
  return scaler >= 0 ? unscaled * exact_power_of_ten(scaler)
                     : unscaled / exact_power_of_ten(-scaler);
}

}  // namespace sm::cosem
