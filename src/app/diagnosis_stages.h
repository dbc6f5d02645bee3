// `diagnose`, internal: the verdict of each stage, over the analysed trials (see
// diagnosis.h for the order and the rule that the first FAIL is the one to act on).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "app/diagnosis.h"
#include "app/diagnosis_analysis.h"

namespace sm::app::diag {

// diagnosis_stages.cpp: the bytes and their framing.
StageReport bytes_stage(const DiagnosisInput& in, std::size_t total, microseconds listened);
StageReport format_stage(const DiagnosisInput& in, const std::vector<TrialAnalysis>& trials,
                         const TrialAnalysis& best, std::size_t total);
StageReport link_stage(const TrialAnalysis& best, std::size_t total);
// diagnosis_content_stages.cpp: the ciphering, the keys and the values.
StageReport cipher_stage(const TrialAnalysis& best, const pipeline::DecoderOptions& options);
StageReport decrypt_stage(const TrialAnalysis& best, const pipeline::DecoderOptions& options);
StageReport values_stage(const TrialAnalysis& best, std::string& values_text);

}  // namespace sm::app::diag
