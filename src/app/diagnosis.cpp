#include "app/diagnosis.h"

#include "app/diagnosis_analysis.h"
#include "app/diagnosis_redaction.h"
#include "app/diagnosis_stages.h"

namespace sm::app {

using namespace diag;  // NOLINT: the parts of diagnose, in this one function

Diagnosis diagnose(const DiagnosisInput& input, const pipeline::DecoderOptions& options) {
  pipeline::DecoderOptions decode_options = options;
  decode_options.explain = false;
  const pipeline::Decoder decoder(decode_options);

  std::vector<TrialAnalysis> trials;
  std::size_t total = 0;
  microseconds listened{0};
  for (const auto& t : input.trials) {
    trials.push_back(analyse(t, decoder, options.framer));
    total += trials.back().stream().size();
    listened += t.listened;
  }
  static const Trial kNothing{"nothing", {}, {}, {}};
  if (trials.empty()) trials.push_back(analyse(kNothing, decoder, options.framer));
  const TrialAnalysis* best = &trials.front();
  for (const auto& t : trials) {
    if (better(t, *best)) best = &t;
  }

  Diagnosis d;
  d.stages.push_back(bytes_stage(input, total, listened));
  d.stages.push_back(format_stage(input, trials, *best, total));
  d.stages.push_back(link_stage(*best, total));
  d.stages.push_back(cipher_stage(*best, options));
  d.stages.push_back(decrypt_stage(*best, options));
  d.stages.push_back(values_stage(*best, d.values_text));
  d.values_decoded = best->decoded > 0;
  d.redacted_capture = redacted_capture_text(*best);
  return d;
}

}  // namespace sm::app
