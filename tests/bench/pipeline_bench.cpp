// Throughput of the whole decoding path (framing + decrypt + A-XDR + COSEM -> Reading)
// on real bursts, next to bare Botan AES-128-CTR over the same ciphertext in the same
// run, so the ratio pipeline/AES is meaningful on any machine. Not run in CI; figures
// go into the README.
//
// The layers are also timed one by one on the same bursts, so the breakdown is visible:
//   Framing  StreamFramer::push of the burst (no annotations, as the exporter runs it)
//   Unprotect  dlms::unprotect of the framed APDU (decrypt only; GCM checks the tag)
//   Decode   the plaintext -> Reading as the Decoder does it: decode_common_notification
//            (no value tree) for OBIS lists, else decode_data_notification (value tree in
//            a stack arena) + decode_notification
// Pipeline ~= Framing + Unprotect + Decode + the Decoder's own glue (building Outcomes).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include "bursts.h"
#include "dlms/security.h"
#include "frame/stream_framer.h"
#include "pipeline/decoder.h"

namespace {

using sm::bench::Burst;
using sm::bench::e450_gbt;
using sm::bench::ksm_west;

void run_pipeline(benchmark::State& state, const Burst& burst) {
  sm::pipeline::Decoder decoder(burst.options);
  std::size_t decoded = 0;
  std::vector<sm::pipeline::Outcome> outcomes;  // reused from push to push, as the exporter does
  for (auto _ : state) {
    decoder.push(burst.wire, outcomes);
    decoded += outcomes.size();
    benchmark::DoNotOptimize(outcomes);
  }
  if (decoded != static_cast<std::size_t>(state.iterations()))
    state.SkipWithError("burst did not decode");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(burst.wire.size()));
}

void run_framing(benchmark::State& state, const Burst& burst) {
  sm::frame::StreamFramer framer(burst.options.framer, sm::frame::Annotate::no);
  std::size_t framed = 0;
  for (auto _ : state) {
    auto events = framer.push(burst.wire);
    framed += events.size();
    benchmark::DoNotOptimize(events);
  }
  if (framed != static_cast<std::size_t>(state.iterations()))
    state.SkipWithError("burst did not frame");
  state.SetItemsProcessed(state.iterations());
}

void run_unprotect(benchmark::State& state, const Burst& burst) {
  if (burst.apdu.empty()) state.SkipWithError("burst did not frame");
  bool ok = true;
  for (auto _ : state) {
    auto unprotected = sm::dlms::unprotect(burst.apdu, burst.options.keys);
    ok = ok && unprotected.has_value();
    benchmark::DoNotOptimize(unprotected);
  }
  if (!ok) state.SkipWithError("APDU did not decrypt");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(burst.apdu.size()));
}

void run_decode(benchmark::State& state, const Burst& burst) {
  if (burst.plaintext.empty()) state.SkipWithError("APDU did not decrypt");
  bool ok = true;
  for (auto _ : state) {
    auto reading = sm::bench::decode_plaintext(burst);
    ok = ok && reading.has_value();
    benchmark::DoNotOptimize(reading);
  }
  if (!ok) state.SkipWithError("plaintext did not decode");
  state.SetItemsProcessed(state.iterations());
}

void run_bare_ctr(benchmark::State& state, std::size_t bytes) {
  sm::bench::BareCtr ctr(bytes);
  for (auto _ : state) {
    ctr.run();
    benchmark::DoNotOptimize(ctr.bytes().data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Pipeline_KsmWest_MbusBurst(benchmark::State& s) {
  run_pipeline(s, ksm_west());
}
void BM_BareAesCtr_KsmWest(benchmark::State& s) {
  run_bare_ctr(s, ksm_west().ciphertext_bytes);
}
void BM_Framing_KsmWest(benchmark::State& s) {
  run_framing(s, ksm_west());
}
void BM_Unprotect_KsmWest(benchmark::State& s) {
  run_unprotect(s, ksm_west());
}
void BM_Decode_KsmWest(benchmark::State& s) {
  run_decode(s, ksm_west());
}
void BM_Pipeline_E450_HdlcGbtTagged(benchmark::State& s) {
  run_pipeline(s, e450_gbt());
}
void BM_BareAesCtr_E450(benchmark::State& s) {
  run_bare_ctr(s, e450_gbt().ciphertext_bytes);
}
void BM_Framing_E450(benchmark::State& s) {
  run_framing(s, e450_gbt());
}
void BM_Unprotect_E450(benchmark::State& s) {
  run_unprotect(s, e450_gbt());
}
void BM_Decode_E450(benchmark::State& s) {
  run_decode(s, e450_gbt());
}

BENCHMARK(BM_Pipeline_KsmWest_MbusBurst);
BENCHMARK(BM_BareAesCtr_KsmWest);
BENCHMARK(BM_Framing_KsmWest);
BENCHMARK(BM_Unprotect_KsmWest);
BENCHMARK(BM_Decode_KsmWest);
BENCHMARK(BM_Pipeline_E450_HdlcGbtTagged);
BENCHMARK(BM_BareAesCtr_E450);
BENCHMARK(BM_Framing_E450);
BENCHMARK(BM_Unprotect_E450);
BENCHMARK(BM_Decode_E450);

}  // namespace

BENCHMARK_MAIN();
