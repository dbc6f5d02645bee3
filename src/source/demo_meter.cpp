#include "source/demo_meter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <mutex>

#include "common/endian.h"

namespace sm::source {
namespace {

constexpr double kPi = 3.14159265358979323846;

// --- A-XDR encoding of the few types the KSM West push uses (Green Book 9.5) ---
void put_obis(std::vector<std::uint8_t>& out, std::uint8_t a, std::uint8_t b, std::uint8_t c,
              std::uint8_t d, std::uint8_t e) {
  out.insert(out.end(), {0x09, 0x06, a, b, c, d, e, 0xFF});
}
// A-XDR tag, then `v` big-endian.
template <std::unsigned_integral UInt>
void put_tagged(std::vector<std::uint8_t>& out, std::uint8_t tag, UInt v) {
  std::array<std::uint8_t, 1 + sizeof(UInt)> encoded{tag};
  store_be(encoded.data() + 1, v);
  out.insert(out.end(), encoded.begin(), encoded.end());
}
void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  put_tagged(out, 0x12, v);
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put_tagged(out, 0x06, v);
}
void put_scaler_unit(std::vector<std::uint8_t>& out, std::int8_t scaler, std::uint8_t unit) {
  out.insert(out.end(), {0x02, 0x02, 0x0F, static_cast<std::uint8_t>(scaler), 0x16, unit});
}
void put_string(std::vector<std::uint8_t>& out, std::string_view s) {
  out.push_back(0x09);
  out.push_back(static_cast<std::uint8_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
// COSEM date-time in Central European local time, with the deviation and DST bit the
// Austrian meters send (deviation -60 winter / -120 summer; EU rule: last Sunday of
// March/October, 01:00 UTC).
void put_date_time_raw(std::vector<std::uint8_t>& out, std::chrono::system_clock::time_point t) {
  const std::time_t utc = std::chrono::system_clock::to_time_t(t);
  std::tm u{};
  gmtime_r(&utc, &u);
  auto last_sunday_utc = [&](int month) {  // 01:00 UTC on the last Sunday of `month`
    std::tm m{};
    m.tm_year = u.tm_year;
    m.tm_mon = month;  // 0-based, next month day 0 = last day of `month`
    m.tm_mday = 0;
    m.tm_mon = month + 1;
    m.tm_hour = 1;
    std::time_t last_day = timegm(&m);
    std::tm d{};
    gmtime_r(&last_day, &d);
    return last_day - static_cast<std::time_t>(d.tm_wday) * 86400;
  };
  const bool summer = utc >= last_sunday_utc(2) && utc < last_sunday_utc(9);
  const int offset_min = summer ? 120 : 60;
  const std::time_t local = utc + offset_min * 60;
  std::tm l{};
  gmtime_r(&local, &l);
  const int year = l.tm_year + 1900;
  const auto deviation = static_cast<std::uint16_t>(static_cast<std::int16_t>(-offset_min));
  out.insert(
      out.end(),
      {static_cast<std::uint8_t>(year >> 8), static_cast<std::uint8_t>(year),
       static_cast<std::uint8_t>(l.tm_mon + 1), static_cast<std::uint8_t>(l.tm_mday),
       static_cast<std::uint8_t>(l.tm_wday == 0 ? 7 : l.tm_wday),
       static_cast<std::uint8_t>(l.tm_hour), static_cast<std::uint8_t>(l.tm_min),
       static_cast<std::uint8_t>(l.tm_sec), 0x00, static_cast<std::uint8_t>(deviation >> 8),
       static_cast<std::uint8_t>(deviation), static_cast<std::uint8_t>(summer ? 0x80 : 0x00)});
}

double hour_of_day(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return static_cast<double>((secs + 3600) % 86400) / 3600.0;  // roughly local (UTC+1)
}

// Small deterministic wobble so consecutive frames differ like a real house.
double wobble(std::chrono::system_clock::time_point t, double period_s, double phase) {
  const double s = std::chrono::duration<double>(t.time_since_epoch()).count();
  return std::sin(2 * kPi * s / period_s + phase);
}

}  // namespace

DemoMeter::DemoMeter(std::chrono::system_clock::time_point start, std::uint32_t first_counter)
    : last_(start),
      energy_import_wh_(4'200'000.0),
      energy_export_wh_(1'350'000.0),
      reactive_import_varh_(96'000.0),
      reactive_export_varh_(410'000.0),
      counter_(first_counter) {}

dlms::SystemTitle DemoMeter::system_title() {
  return {'K', 'F', 'M', 0x10, 0x20, 0x00, 0xDE, 0x30};
}

DemoValues DemoMeter::values_at(std::chrono::system_clock::time_point t) {
  const double h = hour_of_day(t);
  // Household load: base, morning and evening peaks.
  const double load = 280.0 + 900.0 * std::exp(-std::pow((h - 7.5) / 1.2, 2)) +
                      1800.0 * std::exp(-std::pow((h - 19.0) / 1.8, 2)) +
                      60.0 * wobble(t, 47.0, 0.3);
  // PV: a bell between 06:00 and 20:00, peaking at 4.5 kW at 13:00.
  const double pv =
      h > 6.0 && h < 20.0 ? 4500.0 * std::pow(std::sin(kPi * (h - 6.0) / 14.0), 3) : 0.0;
  const double net = load - pv;
  DemoValues v{};
  v.import_w = std::max(net, 0.0);
  v.export_w = std::max(-net, 0.0);
  const double share[3] = {0.45, 0.33, 0.22};
  for (int p = 0; p < 3; ++p) {
    v.voltage[p] = 230.0 + 2.5 * wobble(t, 311.0 + 17.0 * p, p) - 0.0006 * net * share[p];
    v.current[p] = std::fabs(net) * share[p] / v.voltage[p];
  }
  const double dt_h = std::max(0.0, std::chrono::duration<double>(t - last_).count() / 3600.0);
  last_ = std::max(last_, t);
  energy_import_wh_ += v.import_w * dt_h;
  energy_export_wh_ += v.export_w * dt_h;
  reactive_import_varh_ += 40.0 * dt_h;
  reactive_export_varh_ += 180.0 * dt_h;
  v.energy_import_wh = static_cast<std::uint64_t>(energy_import_wh_);
  v.energy_export_wh = static_cast<std::uint64_t>(energy_export_wh_);
  v.reactive_import_varh = static_cast<std::uint64_t>(reactive_import_varh_);
  v.reactive_export_varh = static_cast<std::uint64_t>(reactive_export_varh_);
  return v;
}

std::vector<std::uint8_t> DemoMeter::build_notification(const DemoValues& v,
                                                        std::chrono::system_clock::time_point t,
                                                        std::uint32_t invoke_id) {
  std::vector<std::uint8_t> out;
  put_tagged(out, 0x0F, invoke_id);  // data-notification, long-invoke-id-and-priority
  out.push_back(0x0C);
  put_date_time_raw(out, t);
  out.insert(out.end(), {0x02, 0x10});  // structure of 16, as Salzburg Netz' MA309M sends
  put_obis(out, 0, 0, 1, 0, 0);
  out.insert(out.end(), {0x09, 0x0C});
  put_date_time_raw(out, t);
  out.insert(out.end(), {0x02, 0x02});
  put_obis(out, 0, 0, 96, 1, 0);
  put_string(out, "1KFM0200DEMO01");
  out.insert(out.end(), {0x02, 0x02});
  put_obis(out, 0, 0, 42, 0, 0);
  put_string(out, "KFM1200200DEMO01");
  const std::uint8_t voltage_c[3] = {32, 52, 72}, current_c[3] = {31, 51, 71};
  for (int p = 0; p < 3; ++p) {
    out.insert(out.end(), {0x02, 0x03});
    put_obis(out, 1, 0, voltage_c[p], 7, 0);
    put_u16(out, static_cast<std::uint16_t>(std::lround(v.voltage[p] * 10)));
    put_scaler_unit(out, -1, 35);
  }
  for (int p = 0; p < 3; ++p) {
    out.insert(out.end(), {0x02, 0x03});
    put_obis(out, 1, 0, current_c[p], 7, 0);
    put_u16(out, static_cast<std::uint16_t>(std::lround(v.current[p] * 100)));
    put_scaler_unit(out, -2, 33);
  }
  const struct {
    std::uint8_t c, d;
    std::uint32_t value;
    std::uint8_t unit;
  } rows[] = {
      {1, 7, static_cast<std::uint32_t>(std::lround(v.import_w)), 27},
      {2, 7, static_cast<std::uint32_t>(std::lround(v.export_w)), 27},
      {1, 8, static_cast<std::uint32_t>(v.energy_import_wh), 30},
      {2, 8, static_cast<std::uint32_t>(v.energy_export_wh), 30},
      {3, 8, static_cast<std::uint32_t>(v.reactive_import_varh), 32},
      {4, 8, static_cast<std::uint32_t>(v.reactive_export_varh), 32},
  };
  for (const auto& r : rows) {
    out.insert(out.end(), {0x02, 0x03});
    put_obis(out, 1, 0, r.c, r.d, 0);
    put_u32(out, r.value);
    put_scaler_unit(out, 0, r.unit);
  }
  return out;
}

std::vector<std::uint8_t> DemoMeter::mbus_segments(std::span<const std::uint8_t> apdu) {
  // EN 13757-2 long frame: 68 L L 68 C A CI data CS 16, L = bytes C..data <= 255.
  // DLMS puts STSAP 0x01 / DTSAP 0x67 after CI in each segment: 250 - 5 = 245 APDU bytes.
  constexpr std::size_t kChunk = 245;
  std::vector<std::uint8_t> out;
  std::size_t seq = 0;
  for (std::size_t pos = 0; pos < apdu.size(); pos += kChunk, ++seq) {
    const std::size_t n = std::min(kChunk, apdu.size() - pos);
    const bool last = pos + n == apdu.size();
    const auto ci = static_cast<std::uint8_t>((seq & 0x0F) | (last ? 0x10 : 0x00));
    const auto l = static_cast<std::uint8_t>(n + 5);
    std::vector<std::uint8_t> body{0x53, 0xFF, ci, 0x01, 0x67};
    body.insert(body.end(), apdu.begin() + static_cast<std::ptrdiff_t>(pos),
                apdu.begin() + static_cast<std::ptrdiff_t>(pos + n));
    std::uint8_t cs = 0;
    for (auto b : body) cs = static_cast<std::uint8_t>(cs + b);
    out.insert(out.end(), {0x68, l, l, 0x68});
    out.insert(out.end(), body.begin(), body.end());
    out.push_back(cs);
    out.push_back(0x16);
  }
  return out;
}

std::vector<std::uint8_t> DemoMeter::next_frames(std::chrono::system_clock::time_point t) {
  const DemoValues v = values_at(t);
  const auto plaintext = build_notification(v, t, counter_ & 0x00FFFFFF);
  dlms::Keys keys;
  keys.encryption = kDemoKey;
  auto apdu = dlms::protect(plaintext, system_title(), counter_, 0x21, keys);
  ++counter_;
  if (!apdu) return {};
  return mbus_segments(*apdu);
}

namespace {

class DemoSource final : public Source {
 public:
  explicit DemoSource(std::chrono::milliseconds interval)
      : interval_(interval), meter_(std::chrono::system_clock::now()) {}

  void run(Sink& sink) override {
    sink.on_connected(false);
    sink.log(LogLevel::info,
             "demo meter started (simulated Kaifa MA309M, KSM West frames, "
             "demo key \"DEMO-KEY-NOTREAL\")");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      const auto now = std::chrono::system_clock::now();
      const auto bytes = meter_.next_frames(now);
      sink.on_bytes(bytes, now);
      lock.lock();
      cv_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  }
  void stop() override {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }
  void reopen() override {}
  [[nodiscard]] std::string describe() const override { return "demo"; }

 private:
  std::chrono::milliseconds interval_;
  DemoMeter meter_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<Source> make_demo_source(std::chrono::milliseconds interval) {
  return std::make_unique<DemoSource>(interval);
}

}  // namespace sm::source
