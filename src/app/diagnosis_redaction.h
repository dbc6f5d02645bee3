// `diagnose`, internal: the redacted capture of one push for a bug report (redact_push()
// in diagnosis.h does the masking).
#pragma once

#include <string>

#include "app/diagnosis_analysis.h"

namespace sm::app::diag {

std::string redacted_capture_text(const TrialAnalysis& best);

}  // namespace sm::app::diag
