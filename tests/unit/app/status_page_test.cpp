// The status page at `/` and /api/v1/reading: states (no frame, up, stale), values taken
// through the OBIS table, bars against their limits, escaping of meter-supplied strings.
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "../metrics/metrics_test_util.h"
#include "app/landing_page.h"
#include "app/status_api.h"
#include "app/status_view.h"
#include "crypto/digest.h"

namespace sm::app {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const metrics::HostTime kNow{
    Clock::time_point{std::chrono::seconds(1'700'000'000)},
    std::chrono::steady_clock::time_point{std::chrono::seconds(1'700'000'000)}};

cosem::Register reg(std::uint8_t c, std::uint8_t d, std::uint8_t e, double value, int unit) {
  cosem::Register r;
  r.obis = cosem::obis(1, 0, c, d, e);
  r.value = value;
  r.unit = unit;
  return r;
}

// A three-phase frame like a Sagemcom T210-D's, received 5 s before kNow.
metrics::Snapshot three_phase_snapshot() {
  auto reading = std::make_shared<cosem::Reading>();
  reading->meter_id = "178210431186";
  reading->profile = "evn";
  reading->meter_time = metrics::test_support::meter_clock(2023, 4, 14, 17, 56, 5, -120);
  reading->registers = {
      reg(1, 8, 0, 627660, 30), reg(2, 8, 0, 0, 30),       reg(1, 7, 0, 515, 27),
      reg(2, 7, 0, 0, 27),      reg(32, 7, 0, 232.9, 35),  reg(52, 7, 0, 260.5, 35),
      reg(72, 7, 0, 237.2, 35), reg(31, 7, 0, 0.85, 33),   reg(51, 7, 0, 70, 33),
      reg(71, 7, 0, 1.18, 33),  reg(13, 7, 0, 0.819, 255), reg(3, 8, 0, 4500, 32),
      reg(1, 8, 1, 1000, 30)};
  metrics::Snapshot snap;
  metrics::GoodFrame frame;
  frame.reading = reading;
  frame.link = "mbus";
  frame.received = kNow - 5s;
  snap.last = frame;
  snap.frames_total = 7;
  snap.frame_errors[static_cast<std::size_t>(metrics::ErrorReason::checksum)] = 2;
  return snap;
}

StatusOptions options() {
  return {"/metrics", "replay:x.hex", 30s, 63};
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(StatusView, MainsComeFromTheObisTable) {
  const Mains m = mains_of(*three_phase_snapshot().last->reading);
  ASSERT_TRUE(m.power_import.has_value());
  EXPECT_DOUBLE_EQ(*m.power_import, 515);
  EXPECT_DOUBLE_EQ(*m.power_export, 0);
  ASSERT_EQ(m.phases.size(), 3U);
  EXPECT_EQ(m.phases[1].phase, "L2");
  EXPECT_DOUBLE_EQ(*m.phases[1].voltage, 260.5);
  EXPECT_DOUBLE_EQ(*m.phases[2].current, 1.18);
  EXPECT_FALSE(m.phases[0].power_import.has_value());
  ASSERT_EQ(m.energy.size(), 4U);
  EXPECT_EQ(m.energy[0].name, "import");
  EXPECT_DOUBLE_EQ(m.energy[0].value, 627.66);  // kWh
  EXPECT_EQ(m.energy[0].unit, "kWh");
  EXPECT_EQ(m.energy[2].name, "reactive import");
  EXPECT_DOUBLE_EQ(m.energy[2].value, 4.5);
  EXPECT_EQ(m.energy[2].unit, "kvarh");
  EXPECT_EQ(m.energy[3].name, "import tariff 1");
  EXPECT_EQ(m.energy[3].obis, "1.0.1.8.1.255");

  cosem::Reading single;  // a single-phase meter shows only L1
  single.registers = {reg(32, 7, 0, 230, 35)};
  ASSERT_EQ(mains_of(single).phases.size(), 1U);
  EXPECT_EQ(mains_of(single).phases[0].phase, "L1");
}

TEST(StatusView, FormatsFixedLikeToFixed) {
  EXPECT_EQ(format_fixed(232.94, 1), "232.9");
  EXPECT_EQ(format_fixed(515, 0), "515");
  EXPECT_EQ(format_fixed(627.66, 3), "627.660");
  EXPECT_EQ(format_fixed(-0.04, 1), "0.0");
  EXPECT_EQ(format_fixed(-1.5, 1), "-1.5");
}

TEST(StatusPage, NoFrameYet) {
  const LandingPage page{options()};
  metrics::Snapshot empty;
  const std::string html = page.render(empty, {}, kNow);
  EXPECT_TRUE(contains(html, "No good frame received yet"));
  EXPECT_TRUE(contains(html, "data-layout=\"\""));
  EXPECT_FALSE(contains(html, "id=\"phases\""));
  EXPECT_TRUE(contains(html, "data-k=\"frames.errors.checksum\""));
  EXPECT_TRUE(contains(html, "href=\"/metrics\""));

  const std::string json = render_reading_json(options(), empty, {}, kNow);
  EXPECT_TRUE(contains(json, R"("state":"no_frame","stale":true,)")) << json;
  EXPECT_TRUE(contains(json, R"("last_frame":null,"meter":null,)")) << json;
  EXPECT_TRUE(contains(json, R"("power":{"import_w":null,"export_w":null},"phases":[],)")) << json;
  EXPECT_TRUE(contains(json, R"("registers":[],)")) << json;
  EXPECT_TRUE(contains(json, R"("points":[])")) << json;
}

TEST(StatusPage, ShowsValuesAndBarsAgainstLimits) {
  const LandingPage page{options()};
  const auto snap = three_phase_snapshot();
  const std::string html = page.render(snap, {}, kNow);
  EXPECT_TRUE(contains(html, "<b>Meter up</b>"));
  EXPECT_TRUE(contains(html, R"(<span data-k="last_frame.age_seconds" data-d="1">5.0</span>)"));
  EXPECT_TRUE(contains(html, R"(<span data-k="power.import_w" data-d="0">515</span>)"));
  EXPECT_TRUE(contains(html, R"(<span data-k="phases.0.voltage_v" data-d="1">232.9</span>)"));
  EXPECT_TRUE(contains(html, R"(<span data-k="energy.0.value" data-d="3">627.660</span> kWh)"));
  EXPECT_TRUE(contains(html, "178210431186"));
  // L1 at 232.9 V is inside 207-253 V; L2 at 260.5 V is not; 70 A is over the 63 A fuse.
  EXPECT_TRUE(contains(html, R"(<div class="bar" data-bar="phases.0.voltage_v")"));
  EXPECT_TRUE(contains(html, R"(<div class="bar bad" data-bar="phases.1.voltage_v")"));
  EXPECT_TRUE(contains(html, R"(<div class="bar bad" data-bar="phases.1.current_a")"));
  EXPECT_TRUE(contains(html, R"(<div class="bar" data-bar="phases.2.current_a")"));
  EXPECT_TRUE(contains(html, R"(data-max="63" data-lo="0" data-hi="63"><i style="width:1.9%">)"));
  // Frame errors by reason; the non-zero one is highlighted.
  EXPECT_TRUE(contains(
      html,
      R"(<div class="nz"><span>checksum</span><b data-k="frames.errors.checksum" data-nz>2</b>)"));
  EXPECT_TRUE(contains(
      html, R"(<div><span>decrypt</span><b data-k="frames.errors.decrypt" data-nz>0</b>)"));
  // This frame has no per-phase power: no column for it.
  EXPECT_FALSE(contains(html, "Power (import)"));
  EXPECT_FALSE(contains(html, "phases.0.power_import_w"));
  // No external assets: nothing is loaded from anywhere.
  EXPECT_FALSE(contains(html, "src="));
  EXPECT_FALSE(contains(html, "http://"));
  EXPECT_FALSE(contains(html, "https://"));

  const std::string json = render_reading_json(options(), snap, {}, kNow);
  EXPECT_TRUE(contains(json, R"("state":"up","stale":false,"stale_after_seconds":30,)")) << json;
  EXPECT_TRUE(contains(json, R"("last_frame":{"age_seconds":5,"timestamp":1699999995},)")) << json;
  EXPECT_TRUE(contains(json, R"("meter":{"id":"178210431186","device_name":null,)")) << json;
  EXPECT_TRUE(contains(json, R"("power":{"import_w":515,"export_w":0})")) << json;
  EXPECT_TRUE(contains(json, R"({"phase":"L2","voltage_v":260.5,"current_a":70,)")) << json;
  EXPECT_TRUE(
      contains(json, R"({"name":"import","obis":"1.0.1.8.0.255","value":627.66,"unit":"kWh"})"))
      << json;
  EXPECT_TRUE(contains(json, R"("current_max_a":63,"phase_power_max_w":14490})")) << json;
  EXPECT_TRUE(contains(json, R"("value":0.819,"unit":"","text":null})")) << json;
  EXPECT_TRUE(contains(json, R"("errors":{"checksum":2,"length":0,)")) << json;
  // The page's layout key and the JSON's agree, or the page would reload forever.
  const std::string layout = register_layout(snap);
  EXPECT_TRUE(contains(layout, "1.0.1.8.0.255 1.0.2.8.0.255 1.0.1.7.0.255"));
  EXPECT_TRUE(contains(html, "data-layout=\"" + layout + "\""));
  EXPECT_TRUE(contains(json, "\"layout\":\"" + layout + "\""));
}

TEST(StatusPage, PhasePowerColumnWhenTheFrameHasIt) {
  auto snap = three_phase_snapshot();
  auto reading = std::make_shared<cosem::Reading>(*snap.last->reading);
  reading->registers.push_back(reg(41, 7, 0, 7245, 27));  // L2 import, half of 63 A x 230 V
  snap.last->reading = reading;
  const std::string html = LandingPage{options()}.render(snap, {}, kNow);
  EXPECT_TRUE(contains(html, "<th>Power (import)</th>"));
  EXPECT_TRUE(contains(html, R"(<span data-k="phases.1.power_import_w" data-d="0">7245</span> W)"));
  EXPECT_TRUE(
      contains(html, R"(data-max="14490" data-lo="0" data-hi="14490"><i style="width:50.0%">)"));
}

TEST(StatusPage, SaysWhetherTheTagWasVerified) {
  auto snap = three_phase_snapshot();
  EXPECT_FALSE(contains(LandingPage{options()}.render(snap, {}, kNow), "id=\"security\""))
      << "a plaintext frame has no security row";
  dlms::SecurityHeader tagged;
  tagged.control = 0x30;
  snap.last->security = tagged;
  EXPECT_TRUE(contains(LandingPage{options()}.render(snap, {}, kNow),
                       "authenticated (tag NOT verified: no auth key)"));
  snap.last->tag_verified = true;
  EXPECT_TRUE(contains(LandingPage{options()}.render(snap, {}, kNow),
                       ">encrypted, authenticated (tag verified)<"));
}

TEST(StatusPage, CspNamesTheInlineScriptByItsHash) {
  EXPECT_EQ(crypto::sha256_base64("abc"), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  const std::string html = LandingPage{options()}.render(metrics::Snapshot{}, {}, kNow);
  const auto open = html.find("<script>");
  const auto close = html.find("</script>");
  ASSERT_NE(open, std::string::npos);
  ASSERT_NE(close, std::string::npos);
  EXPECT_EQ(html.find("<script", open + 1), std::string::npos);  // the only script
  const std::string script = html.substr(open + 8, close - open - 8);
  const std::string& csp = status_page_csp();
  EXPECT_TRUE(contains(csp, "script-src 'sha256-" + crypto::sha256_base64(script) + "';")) << csp;
  EXPECT_TRUE(contains(csp, "default-src 'none';")) << csp;
  EXPECT_FALSE(contains(csp, "script-src 'unsafe-inline'")) << csp;
}

TEST(StatusPage, StaleFrameStillShowsItsValues) {
  const LandingPage page{options()};
  const auto snap = three_phase_snapshot();
  const std::string html = page.render(snap, {}, kNow + 60s);
  EXPECT_TRUE(contains(html, R"(<p id="state" class="bad"><b>Meter stale</b>)"));
  EXPECT_TRUE(contains(html, ">65.0</span> s ago"));
  EXPECT_TRUE(contains(html, ">515</span>"));
  const std::string json = render_reading_json(options(), snap, {}, kNow + 60s);
  EXPECT_TRUE(contains(json, R"("state":"stale","stale":true,)")) << json;
}

// Issue 14 item 3: the wall clock stepped back an hour while 40 s passed. The age is 45 s
// (steady clock), not negative, and the frame is stale; "now" is the wall clock's.
TEST(StatusPage, AgeAndStalenessIgnoreAWallClockStep) {
  const auto snap = three_phase_snapshot();  // received 5 s before kNow
  metrics::HostTime now = kNow + 40s;
  now.wall -= 1h;
  const std::string json = render_reading_json(options(), snap, {}, now);
  EXPECT_TRUE(contains(json, R"("state":"stale","stale":true,)")) << json;
  EXPECT_TRUE(contains(json, R"("age_seconds":45)")) << json;
  EXPECT_TRUE(contains(json, R"("now":1699996440)")) << json;
  EXPECT_TRUE(contains(LandingPage{options()}.render(snap, {}, now), ">45.0</span> s ago"));
}

TEST(StatusPage, EscapesMeterSuppliedStrings) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  auto snap = three_phase_snapshot();
  auto reading = std::make_shared<cosem::Reading>(*snap.last->reading);
  reading->meter_id = "<script>alert(1)</script>";
  reading->device_name = "\"><img src=x>";
  reading->profile = "p&q";
  reading->list_id = "'list'";
  cosem::Register text;
  text.obis = cosem::obis(0, 0, 96, 13, 0);
  text.text = "</td><b>x";
  reading->registers.push_back(text);
  snap.last->reading = reading;
  StatusOptions opts = options();
  opts.source = "replay:<evil>.hex";
  const std::string html = LandingPage{opts}.render(snap, {}, kNow);
  EXPECT_FALSE(contains(html, "<script>alert"));
  EXPECT_FALSE(contains(html, "<img"));
  EXPECT_FALSE(contains(html, "<evil>"));
  EXPECT_FALSE(contains(html, "</td><b>x"));
  EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(contains(html, "&quot;&gt;&lt;img src=x&gt;"));
  EXPECT_TRUE(contains(html, "p&amp;q"));
  EXPECT_TRUE(contains(html, "&#39;list&#39;"));
  EXPECT_TRUE(contains(html, "&lt;/td&gt;&lt;b&gt;x"));
  const std::string json = render_reading_json(opts, snap, {}, kNow);
  EXPECT_TRUE(contains(json, R"("device_name":"\"><img src=x>")")) << json;
  EXPECT_TRUE(contains(json, R"("source":"replay:<evil>.hex")")) << json;
}

TEST(StatusPage, ChartAndHistoryFromTheRing) {
  metrics::PowerHistory ring;
  ring.add(kNow.wall - 20min, {1000.0, 0.0});
  ring.add(kNow.wall - 20min + 10s, {1500.0, 0.0});
  ring.add(kNow.wall - 10s, {400.0, std::nullopt});
  const auto points = ring.points(kNow.wall);
  const auto snap = three_phase_snapshot();
  const std::string html = LandingPage{options()}.render(snap, points, kNow);
  // 1500 W tops out at a 2 kW scale; the two adjacent buckets form one line, the last a second.
  EXPECT_TRUE(contains(html, R"(<text class="ymax" x="50" y="14" text-anchor="end">2 kW</text>)"));
  const auto at = html.find("<path class=\"s1\" d=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string d = html.substr(at + 20, html.find('"', at + 20) - at - 20);
  EXPECT_EQ(d, "M676.0 95.0H678.6L678.6 52.5H681.2M983.4 146.0H986.0");
  EXPECT_TRUE(contains(html, R"(<circle class="d1" r="4" cx="986.0" cy="146.0"/>)"));
  const std::string json = render_reading_json(options(), snap, points, kNow);
  EXPECT_TRUE(contains(json, R"("history":{"bucket_seconds":10,"window_seconds":3600,"points":)"
                             R"([[1699998800,1000,0],[1699998810,1500,0],[1699999990,400,null]]})"))
      << json;
}

// Registers merged from lists of different content (issue 14 item 1): each shows the age
// of the frame that carried it, and one past its own window is no longer `current` and
// leaves the mains view (the voltage of a List 2 that stopped coming).
TEST(StatusApi, RegistersCarryTheirOwnAge) {
  auto snap = three_phase_snapshot();
  auto stamps = std::make_shared<std::vector<metrics::RegisterStamp>>(
      snap.last->reading->registers.size(), metrics::RegisterStamp{(kNow - 5s).steady, 2s});
  (*stamps)[4] = metrics::RegisterStamp{(kNow - 45s).steady, 10s};  // 32.7.0, L1 voltage
  snap.register_stamps = stamps;
  const std::string json = render_reading_json(options(), snap, {}, kNow);
  EXPECT_TRUE(contains(json, R"({"obis":"1.0.1.8.0.255","age_seconds":5,"current":true,)")) << json;
  EXPECT_TRUE(contains(json, R"({"obis":"1.0.32.7.0.255","age_seconds":45,"current":false,)"))
      << json;
  EXPECT_TRUE(contains(json, R"({"phase":"L1","voltage_v":null,)")) << json;
  EXPECT_TRUE(contains(json, R"({"phase":"L2","voltage_v":260.5,)")) << json;
}

}  // namespace
}  // namespace sm::app
