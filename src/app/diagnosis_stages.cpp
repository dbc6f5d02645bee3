#include "app/diagnosis_stages.h"

#include <algorithm>
#include <map>

#include "app/diagnosis_wording.h"

namespace sm::app::diag {
namespace {

std::string trial_line(const TrialAnalysis& t) {
  if (t.stream().empty()) return t.trial->label + ": no bytes";
  return t.trial->label + ": " + plural(t.stream().size(), "byte", "bytes") + ", " +
         plural(t.valid, "frame", "frames") + " passed their checksums, " +
         std::to_string(t.failed_checks()) + " failed, " + std::to_string(t.noise_bytes) +
         " bytes of noise - checksum success " + std::to_string(t.pass_percent()) + "%";
}

}  // namespace

StageReport bytes_stage(const DiagnosisInput& in, std::size_t total, microseconds listened) {
  StageReport s{"Bytes received", Verdict::ok, {}, {}};
  std::vector<std::string> open_errors;
  for (const auto& t : in.trials) {
    for (const auto& e : t.open_errors) {
      if (std::find(open_errors.begin(), open_errors.end(), e) == open_errors.end()) {
        open_errors.push_back(e);
      }
    }
  }
  if (total > 0) {
    s.findings.push_back(plural(total, "byte", "bytes") + " from " + in.source +
                         (in.kind == SourceKind::file ? "" : " in " + seconds_text(listened)));
    return s;
  }
  s.verdict = Verdict::fail;
  s.findings.push_back(in.kind == SourceKind::file
                           ? "the capture holds no bytes"
                           : "no bytes at all from " + in.source + " in " + seconds_text(listened));
  for (const auto& e : open_errors) s.findings.push_back("source: " + e);
  switch (in.kind) {
    case SourceKind::serial:
      s.next_step =
          open_errors.empty()
              ? "Check the wiring (M-Bus adapters: pins 3 and 4 of the RJ12 customer port), that "
                "--serial.device is this adapter (ls -l /dev/serial/by-id/), and that your grid "
                "operator has enabled the customer interface (it is often off until you ask)."
              : "The device could not be read: check the path (ls -l /dev/serial/by-id/) and that "
                "this user may open it (group dialout).";
      break;
    case SourceKind::tcp:
      s.next_step =
          "Check that the gateway is reachable and forwards the meter's line (ser2net, M-Bus/LAN "
          "gateway), then the wiring between gateway and meter and whether the operator has "
          "enabled the customer interface.";
      break;
    case SourceKind::file:
      s.next_step = "Record a capture with `smartmeter_exporter record --output FILE`.";
      break;
  }
  return s;
}

StageReport format_stage(const DiagnosisInput& in, const std::vector<TrialAnalysis>& trials,
                         const TrialAnalysis& best, std::size_t total) {
  StageReport s{"Serial format", Verdict::ok, {}, {}};
  if (in.kind != SourceKind::serial) {
    s.verdict = Verdict::skipped;
    s.findings.push_back("not applicable: the byte format of " +
                         std::string(in.kind == SourceKind::tcp ? "a TCP gateway" : "a capture") +
                         " was fixed where the bytes were read");
    return s;
  }
  if (total == 0) {
    s.verdict = Verdict::skipped;
    s.findings.push_back("nothing to judge without bytes");
    return s;
  }
  for (const auto& t : trials) s.findings.push_back(trial_line(t));
  if (best.valid == 0) {
    s.verdict = Verdict::fail;
    s.next_step =
        "No format gave a valid frame. Check --serial.baud (2400 for M-Bus and HAN, 115200 for "
        "P1, 9600 for the IR head) or try --serial.baud=auto and --serial.format=auto.";
    return s;
  }
  std::size_t passing = 0;
  for (const auto& t : trials) passing += t.valid == 0 ? 0 : 1;
  if (trials.size() > 1 && passing > 1) {
    s.findings.push_back(
        "more than one format passes: this line does not check parity (a pseudo-terminal or an "
        "adapter that strips it); " +
        best.trial->label + " is as good as any");
  }
  s.next_step = trials.size() > 1 ? "Serve with this format: " + best.trial->label +
                                        " (--serial.format, --serial.baud)."
                                  : "";
  return s;
}

StageReport link_stage(const TrialAnalysis& best, std::size_t total) {
  StageReport s{"Link layer", Verdict::ok, {}, {}};
  if (total == 0) {
    s.verdict = Verdict::skipped;
    s.findings.push_back("no bytes to look for frames in");
    return s;
  }
  if (best.frames.empty()) {
    s.verdict = Verdict::fail;
    s.findings.push_back(
        "framing broken: no valid frame in " + plural(best.stream().size(), "byte", "bytes") +
        " (" + std::to_string(best.checksum_errors) + " checksum errors, " +
        std::to_string(best.length_errors) + " length errors, " + std::to_string(best.noise_bytes) +
        " bytes that start no frame, " + std::to_string(best.incomplete) + " cut-off frames)");
    const bool only_cut_off =
        best.failed_checks() == 0 && best.noise_bytes == 0 && best.incomplete > 0;
    s.next_step =
        only_cut_off ? "The bytes end inside a frame (a segment or block is missing): read longer "
                       "(--duration) or record a longer capture."
        : best.failed_checks() > 0
            ? "Frames are found but fail their checksums: the serial format or baud rate is wrong "
              "or the line is noisy (cable length, adapter). Try --serial.format=auto and "
              "--serial.baud=auto."
            : "Nothing in the bytes looks like M-Bus, HDLC or a DLMS APDU: wrong baud rate, or "
              "this is not the meter's customer port. Try --serial.baud=auto.";
    return s;
  }
  std::map<frame::LinkType, std::size_t> links;
  std::size_t segmented = 0, max_parts = 0;
  for (const auto& f : best.frames) {
    ++links[f.apdu.link];
    if (f.apdu.link_frames > 1) ++segmented;
    max_parts = std::max(max_parts, f.apdu.link_frames);
  }
  for (const auto& [link, n] : links) {
    s.findings.push_back(std::string(link_name(link)) + ": " + plural(n, "APDU", "APDUs"));
  }
  const auto& frames = best.frames;
  if (frames.size() >= 2 && frames.back().arrival > frames.front().arrival) {
    const auto gap =
        (frames.back().arrival - frames.front().arrival) / static_cast<long>(frames.size() - 1);
    s.findings.push_back("one push every " + seconds_text(gap) + " on average");
  } else if (best.trial->listened.count() > 0) {
    s.findings.push_back(plural(frames.size(), "push", "pushes") + " in " +
                         seconds_text(best.trial->listened));
  }
  s.findings.push_back(segmented == 0
                           ? "not segmented: one link frame per APDU"
                           : "segmented: up to " + std::to_string(max_parts) +
                                 " link frames (segments or blocks) per APDU, reassembled");
  if (best.failed_checks() > 1) {
    s.verdict = Verdict::warn;
    s.findings.push_back(std::to_string(best.failed_checks()) +
                         " frames failed their checksum or length check");
    s.next_step =
        "Some frames are damaged: check the cable and the adapter; the exporter skips "
        "damaged frames and counts them in smartmeter_frame_errors_total.";
  }
  return s;
}

}  // namespace sm::app::diag
