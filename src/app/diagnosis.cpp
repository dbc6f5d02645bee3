#include "app/diagnosis.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <tuple>

#include "app/keys.h"
#include "app/render.h"
#include "common/byte_reader.h"
#include "common/hex.h"
#include "dlms/apdu_tags.h"
#include "dlms/ciphering.h"
#include "dlms/manufacturers.h"
#include "frame/crc16.h"
#include "frame/stream_framer.h"

namespace sm::app {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// ---------------------------------------------------------------- the ciphering header

// A ciphering header (dlms/ciphering.h) and where its fields sit in the APDU.
struct CipherHeader {
  dlms::SecurityHeader header;
  std::size_t title_offset{0};  // the system title's first byte
  std::size_t ic_offset{0};
  bool has_tag{false};  // SC bit 0x10 with encryption: a 12-byte GCM tag ends the APDU
};

constexpr std::size_t kTitleFlagBytes = 3;  // the manufacturer letters stay readable
constexpr std::size_t kTagBytes = 12;

std::optional<CipherHeader> parse_cipher_header(std::span<const std::uint8_t> apdu) {
  if (!dlms::is_ciphered(apdu)) return std::nullopt;
  ByteReader r(apdu, Layer::dlms, "ciphering header");
  const auto parsed = dlms::read_ciphering_header(r);
  if (!parsed) return std::nullopt;
  CipherHeader c;
  c.header = parsed->security;
  c.title_offset = parsed->prefix.title_offset + 1;
  c.ic_offset = parsed->ic_offset();
  c.has_tag = c.header.authenticated() && c.header.encrypted();
  return c;
}

// ---------------------------------------------------------------- one trial

// What happened to one framed APDU.
enum class Fate { decoded, no_key, wrong_key, auth, cipher_broken, content };

struct SeenFrame {
  frame::Apdu apdu;
  microseconds arrival{0};  // arrival of the chunk that completed it
  pipeline::Outcome outcome;
  std::optional<CipherHeader> cipher;
  Fate fate{Fate::decoded};
};

struct TrialAnalysis {
  const Trial* trial{nullptr};
  std::vector<SeenFrame> frames;
  std::size_t checksum_errors{0};
  std::size_t length_errors{0};
  std::size_t noise_bytes{0};
  std::size_t incomplete{0};
  std::size_t decoded{0};
  std::size_t valid{0};  // frames that prove the byte format right (see proves_format)

  // Every byte the trial delivered, in order.
  [[nodiscard]] std::span<const std::uint8_t> stream() const { return trial->chunks.all_bytes(); }
  [[nodiscard]] std::size_t failed_checks() const { return checksum_errors + length_errors; }
  [[nodiscard]] int pass_percent() const {
    const std::size_t all = valid + failed_checks();
    return all == 0 ? 0 : static_cast<int>((valid * 100 + all / 2) / all);
  }
};

Fate fate_of(const pipeline::Outcome& outcome, bool ciphered) {
  const auto* failure = std::get_if<pipeline::FrameFailure>(&outcome);
  if (failure == nullptr) return Fate::decoded;
  switch (failure->error.code) {
    case ErrorCode::key:
      return Fate::no_key;
    case ErrorCode::decrypt:
      return Fate::wrong_key;
    case ErrorCode::auth:
      return Fate::auth;
    default:
      break;
  }
  // unprotect() failed before it could say what the header holds: the ciphered APDU
  // itself is malformed (truncated, bad length), i.e. framing is broken.
  const bool malformed = failure->error.code != ErrorCode::unsupported;
  if (ciphered && !failure->security && malformed) return Fate::cipher_broken;
  return Fate::content;
}

// M-Bus and HDLC frames passed a checksum. A bare APDU has none: damaged bytes can still
// hold a plausible ciphering header, so it proves the format only when its content does.
bool proves_format(const SeenFrame& f) {
  if (f.apdu.link != frame::LinkType::raw) return true;
  return f.fate != Fate::wrong_key && f.fate != Fate::cipher_broken;
}

TrialAnalysis analyse(const Trial& trial, const pipeline::Decoder& decoder,
                      const frame::FramerLimits& limits) {
  TrialAnalysis a;
  a.trial = &trial;
  frame::StreamFramer framer(limits, frame::Annotate::no);
  std::vector<frame::FrameEvent> events;
  auto take = [&](microseconds arrival) {
    for (auto& event : events) {
      if (auto* apdu = std::get_if<frame::Apdu>(&event)) {
        SeenFrame seen;
        seen.cipher = parse_cipher_header(apdu->bytes);
        seen.outcome = decoder.decode_apdu(*apdu);
        seen.fate = fate_of(seen.outcome, dlms::is_ciphered(apdu->bytes));
        seen.apdu = std::move(*apdu);
        seen.arrival = arrival;
        if (seen.fate == Fate::decoded) ++a.decoded;
        if (proves_format(seen)) ++a.valid;
        a.frames.push_back(std::move(seen));
        continue;
      }
      const auto& error = std::get<frame::FrameError>(event);
      switch (error.error.code) {
        case ErrorCode::checksum:
          ++a.checksum_errors;
          break;
        case ErrorCode::length:
          ++a.length_errors;
          break;
        case ErrorCode::incomplete:
          ++a.incomplete;
          break;
        default:
          a.noise_bytes += error.skipped;
          break;
      }
    }
  };
  for (const auto chunk : trial.chunks) {
    framer.push(chunk.bytes, events);
    take(chunk.offset);
  }
  framer.finish(events);
  take(trial.chunks.empty() ? microseconds{0} : trial.chunks.back().offset);
  return a;
}

bool better(const TrialAnalysis& a, const TrialAnalysis& b) {
  const auto key = [](const TrialAnalysis& t) {
    return std::tuple(t.decoded, t.valid, t.pass_percent(), t.frames.size(), t.stream().size());
  };
  return key(a) > key(b);
}

// ---------------------------------------------------------------- wording helpers

std::string seconds_text(microseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1e6);
  return buf;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string hex_byte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

std::string_view link_name(frame::LinkType link) {
  switch (link) {
    case frame::LinkType::mbus:
      return "M-Bus long frames (EN 13757-2)";
    case frame::LinkType::hdlc:
      return "HDLC frames (IEC 62056-46)";
    case frame::LinkType::wrapper:
      return "DLMS wrapper (IEC 62056-47)";
    case frame::LinkType::raw:
      return "bare APDUs without a link layer";
  }
  return "unknown";
}

// Which operators send frames like these (DESIGN.md "Variants"). A hint, not a rule:
// the first row that matches wins; `control` < 0 and `link` nullopt match anything.
struct OperatorHint {
  std::string_view flag_id;
  std::optional<frame::LinkType> link;
  int control;
  std::string_view operators;
};

constexpr std::array kOperatorHints = std::to_array<OperatorHint>({
    {"KFM", frame::LinkType::mbus, 0x21,
     "KSM West: Vorarlberg Netz, TINETZ, Salzburg Netz or IKB (Kaifa MA309M/MA110M)"},
    {"ELS", frame::LinkType::mbus, -1,
     "KSM West: Vorarlberg Netz, TINETZ, Salzburg Netz or IKB (Honeywell HS3300S)"},
    {"KFM", frame::LinkType::mbus, 0x20, "Netz Niederoesterreich (EVN), Kaifa MA309M"},
    {"SAG", frame::LinkType::mbus, -1, "Netz Niederoesterreich (EVN), Sagemcom T210-D"},
    {"SAG", std::nullopt, 0x30,
     "Energienetze Steiermark or Luxembourg (Sagemcom T210-D-r on P1, DSMR text inside)"},
    {"LGZ", std::nullopt, -1,
     "Netz Burgenland, Kaernten Netz, Stadtwerke Klagenfurt or Graz (Landis+Gyr E450)"},
    {"ISK", std::nullopt, -1, "Wiener Netze or another HDLC operator (Iskraemeco AM550)"},
    {"SMS", std::nullopt, -1, "Wiener Netze or eww Wels (Siemens IM350)"},
    {"KAM", std::nullopt, -1, "a Danish or Norwegian HAN port (Kamstrup)"},
    {"AID", std::nullopt, -1, "a Norwegian or Swedish HAN port (Aidon)"},
    {"KFM", frame::LinkType::hdlc, -1, "a Norwegian HAN port (Kaifa MA304)"},
});

std::string operator_hint(const std::string& id, frame::LinkType link, std::uint8_t control) {
  for (const auto& h : kOperatorHints) {
    if (h.flag_id != id) continue;
    if (h.link && *h.link != link) continue;
    if (h.control >= 0 && h.control != control) continue;
    return std::string(h.operators);
  }
  return "";
}

std::string describe_control(std::uint8_t sc) {
  std::string text = hex_byte(sc) + ": ";
  const bool enc = (sc & 0x20) != 0, auth = (sc & 0x10) != 0;
  if (enc && auth) {
    text += "encrypted with a 12-byte authentication tag (AES-GCM)";
  } else if (enc) {
    text += "encrypted, no authentication tag";
  } else if (auth) {
    text += "authenticated only (plaintext with a tag)";
  } else {
    text += "neither encrypted nor authenticated";
  }
  if ((sc & 0x40) != 0) text += ", broadcast key";
  return text + ", security suite " + std::to_string(sc & 0x0F);
}

// ---------------------------------------------------------------- stages

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

std::string trial_line(const TrialAnalysis& t) {
  if (t.stream().empty()) return t.trial->label + ": no bytes";
  return t.trial->label + ": " + plural(t.stream().size(), "byte", "bytes") + ", " +
         plural(t.valid, "frame", "frames") + " passed their checksums, " +
         std::to_string(t.failed_checks()) + " failed, " + std::to_string(t.noise_bytes) +
         " bytes of noise - checksum success " + std::to_string(t.pass_percent()) + "%";
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

StageReport cipher_stage(const TrialAnalysis& best, const pipeline::DecoderOptions& options) {
  StageReport s{"Ciphering header", Verdict::ok, {}, {}};
  if (best.frames.empty()) {
    s.verdict = Verdict::skipped;
    s.findings.push_back("no frame to read a header from");
    return s;
  }
  const auto it = std::find_if(best.frames.begin(), best.frames.end(),
                               [](const SeenFrame& f) { return f.cipher.has_value(); });
  if (it == best.frames.end()) {
    s.findings.push_back("the APDUs are not ciphered (plain data-notifications): no key needed");
    if (options.keys.encryption) {
      s.findings.push_back("the configured key is not used for these frames");
    }
    return s;
  }
  const auto& h = it->cipher->header;
  s.findings.push_back(std::string(dlms::apdu_name(h.apdu_tag)) + " (" + hex_byte(h.apdu_tag) +
                       ")");
  const auto id = dlms::flag_id(h.system_title);
  std::string maker = "an unknown manufacturer";
  if (id) {
    const auto known = dlms::known_manufacturer(*id);
    maker = *id + (known.empty() ? " (not in our table)" : " = " + std::string(known));
  }
  s.findings.push_back("system title " + to_hex(h.system_title) + ": manufacturer " + maker +
                       ", serial " + to_hex(std::span(h.system_title).subspan(kTitleFlagBytes)));
  const std::string hint = id ? operator_hint(*id, it->apdu.link, h.control) : "";
  if (!hint.empty()) s.findings.push_back("likely operator profile: " + hint);
  s.findings.push_back("security control " + describe_control(h.control));
  s.findings.push_back("invocation counter " + std::to_string(h.invocation_counter));
  if (h.encrypted()) {
    s.findings.push_back(std::string("needs the encryption key") +
                         (it->cipher->has_tag
                              ? "; the authentication key is optional (it lets the tag be checked)"
                              : "; no authentication key is used"));
  } else if (h.authenticated()) {
    s.findings.push_back("readable without keys; the authentication key checks the tag");
  }
  return s;
}

StageReport decrypt_stage(const TrialAnalysis& best, const pipeline::DecoderOptions& options) {
  StageReport s{"Decryption", Verdict::ok, {}, {}};
  const auto& keys = options.keys;
  if (best.frames.empty()) {
    s.verdict = Verdict::skipped;
    s.findings.push_back("framing broken: no complete frame to decrypt");
    return s;
  }
  std::map<Fate, std::size_t> fates;
  std::size_t ciphered = 0, tag_checked = 0, tag_unchecked = 0;
  for (const auto& f : best.frames) {
    if (!f.cipher && !dlms::is_ciphered(f.apdu.bytes)) continue;
    ++ciphered;
    ++fates[f.fate];
    if (const auto* d = std::get_if<pipeline::DecodedFrame>(&f.outcome);
        d && f.cipher && f.cipher->has_tag) {
      ++(d->tag_verified ? tag_checked : tag_unchecked);
    }
  }
  if (ciphered == 0) {
    s.findings.push_back("not needed: the frames are not encrypted");
    return s;
  }
  const std::size_t opened = fates[Fate::decoded] + fates[Fate::content];
  if (opened > 0) {
    s.findings.push_back(std::to_string(opened) + " of " + std::to_string(ciphered) +
                         " ciphered APDUs decrypted with the " +
                         key_description(keys.encryption, "key"));
    if (tag_checked > 0) {
      s.findings.push_back("authentication tag verified with the " +
                           key_description(keys.authentication, "authentication key"));
    }
    if (tag_unchecked > 0) {
      s.findings.push_back(
          "the authentication tag was not checked: no authentication key given (the values "
          "are decoded all the same)");
      s.next_step =
          "Optional: give the authentication key (--meter.auth-key-file) to have "
          "every frame's tag verified.";
    }
    if (opened < ciphered) {
      s.verdict = Verdict::warn;
      s.findings.push_back(std::to_string(ciphered - opened) + " APDUs did not decrypt");
    }
    return s;
  }
  s.verdict = Verdict::fail;
  if (fates[Fate::no_key] > 0) {
    s.findings.push_back("the frames are encrypted but no encryption key was given");
    s.next_step =
        "Give the key your grid operator issued for this meter (customer portal or "
        "letter): --meter.key-file FILE with 32 hex digits.";
  } else if (fates[Fate::wrong_key] > 0) {
    s.findings.push_back(
        "the key does not fit these frames: the decrypted bytes do not form an "
        "APDU (" +
        key_description(keys.encryption, "key") + ")");
    s.next_step =
        "Check that the key belongs to this meter (system title above): operators "
        "issue a new key when the meter is swapped, and the encryption key (EK, GUEK) "
        "is needed, not the authentication key (AK, GAK).";
  } else if (fates[Fate::auth] > 0) {
    s.findings.push_back(
        "authentication key missing/wrong: the authentication tag did not "
        "verify (" +
        key_description(keys.authentication, "authentication key") + ", " +
        key_description(keys.encryption, "key") + ")");
    s.next_step =
        "Check the authentication key (AK, GAK) and the encryption key; or leave the "
        "authentication key out: the exporter then decrypts without checking the tag.";
  } else {
    const auto& failure = std::get<pipeline::FrameFailure>(best.frames.front().outcome);
    s.findings.push_back("framing broken: the ciphered APDU is malformed - " +
                         failure.error.describe());
    s.next_step = "Please report this with the redacted capture below.";
  }
  return s;
}

StageReport values_stage(const TrialAnalysis& best, std::string& values_text) {
  StageReport s{"Values", Verdict::skipped, {}, {}};
  const pipeline::DecodedFrame* last = nullptr;
  const pipeline::FrameFailure* content_failure = nullptr;
  for (const auto& f : best.frames) {
    if (const auto* d = std::get_if<pipeline::DecodedFrame>(&f.outcome)) last = d;
    if (f.fate == Fate::content && content_failure == nullptr) {
      content_failure = &std::get<pipeline::FrameFailure>(f.outcome);
    }
  }
  if (last != nullptr) {
    s.verdict = Verdict::ok;
    s.findings.push_back(plural(best.decoded, "frame", "frames") + " decoded; the last one has " +
                         plural(last->reading.registers.size(), "value", "values") + " (profile " +
                         last->reading.profile + ")");
    values_text = render_text(*last);
    if (content_failure != nullptr) {
      s.verdict = Verdict::warn;
      s.findings.push_back("some frames did not decode: " + content_failure->error.describe());
    }
    return s;
  }
  if (content_failure != nullptr) {
    s.verdict = Verdict::fail;
    s.findings.push_back("the APDU was readable but its content did not decode: " +
                         content_failure->error.describe());
    s.next_step = content_failure->error.layer == Layer::dlms
                      ? "The meter sends something the exporter does not decode; please report it "
                        "with the redacted capture below."
                      : "If your meter sends values without OBIS codes, try --meter.profile; "
                        "otherwise please report this with the redacted capture below.";
    return s;
  }
  s.findings.push_back("no values: see the first FAIL above");
  return s;
}

// ---------------------------------------------------------------- redaction

std::optional<std::size_t> find_bytes(std::span<const std::uint8_t> hay,
                                      std::span<const std::uint8_t> needle, bool last = false) {
  if (needle.empty() || needle.size() > hay.size()) return std::nullopt;
  auto it = last ? std::find_end(hay.begin(), hay.end(), needle.begin(), needle.end())
                 : std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  if (it == hay.end()) return std::nullopt;
  return static_cast<std::size_t>(it - hay.begin());
}

void mask(std::vector<std::uint8_t>& bytes, std::size_t from, std::size_t count) {
  if (from >= bytes.size()) return;
  std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(from),
              std::min(count, bytes.size() - from), kRedactedByte);
}

// Recomputes M-Bus checksums (EN 13757-2: sum of C..data) and HDLC FCS (CRC-16/X.25 over
// format..info, low byte first) of the link frames in `bytes`, walking frame by frame.
void fix_checksums(std::vector<std::uint8_t>& b) {
  std::size_t i = 0;
  while (i < b.size()) {
    if (b[i] == 0x68 && i + 3 < b.size() && b[i + 3] == 0x68 && b[i + 1] == b[i + 2]) {
      bool done = false;
      for (std::size_t length : {std::size_t{b[i + 1]}, std::size_t{b[i + 1]} + 256}) {
        const std::size_t end = i + 4 + length + 2;
        if (end > b.size() || b[end - 1] != 0x16) continue;
        std::uint8_t sum = 0;
        for (std::size_t k = i + 4; k < i + 4 + length; ++k)
          sum = static_cast<std::uint8_t>(sum + b[k]);
        b[i + 4 + length] = sum;
        i = end;
        done = true;
        break;
      }
      if (done) continue;
    }
    if (b[i] == 0x7E && i + 2 < b.size() && (b[i + 1] & 0xF0) == 0xA0) {
      const std::size_t length = (std::size_t{b[i + 1] & 0x07u} << 8) | b[i + 2];
      if (length >= 4 && i + 1 + length <= b.size()) {
        const std::size_t fcs = i + 1 + length - 2;
        const auto crc = frame::crc16_x25(std::span(b).subspan(i + 1, fcs - (i + 1)));
        b[fcs] = static_cast<std::uint8_t>(crc & 0xFF);
        b[fcs + 1] = static_cast<std::uint8_t>(crc >> 8);
        i += 1 + length;
        continue;
      }
    }
    ++i;
  }
}

// Registers that name the meter or its owner: device ids (C=0, D=0: 0.0.0.0.x), the meter
// and equipment ids (0.0.96.1.x, any A) and the COSEM logical device name (0.0.42.0.0).
bool is_identity_register(const cosem::Obis& code) {
  const auto& v = code.v;
  return (v[2] == 96 && v[3] == 1) || (v[2] == 42 && v[3] == 0 && v[4] == 0) ||
         (v[2] == 0 && v[3] == 0);
}

std::string redacted_capture_text(const TrialAnalysis& best) {
  if (best.stream().empty()) return "";
  std::string out(source::kCaptureHeader);
  out += "\n";
  const SeenFrame* chosen = nullptr;
  for (const auto& f : best.frames) {
    if (chosen == nullptr || (chosen->fate != Fate::decoded && f.fate == Fate::decoded))
      chosen = &f;
  }
  if (chosen == nullptr) {
    const std::size_t n = std::min<std::size_t>(best.stream().size(), 256);
    out += "# no frame was found, so nothing could be located and masked: the first " +
           std::to_string(n) + " bytes as received\n";
    return out + source::format_capture_line(microseconds{0}, best.stream().first(n));
  }
  std::vector<std::string> identifiers;
  if (const auto* d = std::get_if<pipeline::DecodedFrame>(&chosen->outcome)) {
    if (d->reading.meter_id) identifiers.push_back(d->reading.meter_id->str());
    if (d->reading.device_name) identifiers.push_back(d->reading.device_name->str());
    for (const auto& r : d->reading.registers) {
      if (!r.text || !is_identity_register(r.obis)) continue;
      identifiers.push_back(r.text->str());
      // An octet string shown as hex is in the frame as its bytes.
      if (auto bytes = parse_hex(r.text->view())) {
        identifiers.emplace_back(bytes->begin(), bytes->end());
      }
    }
  }
  const std::size_t from = std::min(chosen->apdu.stream_offset, best.stream().size());
  const auto stream = best.stream().subspan(
      from, std::min(chosen->apdu.stream_length, best.stream().size() - from));
  out +=
      "# redacted by smartmeter_exporter diagnose: system title serial number, invocation "
      "counter, authentication tag and meter number masked with 00; checksums recomputed. "
      "Frames still frame but no longer decrypt.\n";
  return out + source::format_capture_line(microseconds{0},
                                           redact_push(stream, chosen->apdu.bytes, identifiers));
}

}  // namespace

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::ok:
      return "OK";
    case Verdict::warn:
      return "WARN";
    case Verdict::fail:
      return "FAIL";
    case Verdict::skipped:
      return "--";
  }
  return "--";
}

std::vector<std::uint8_t> redact_push(std::span<const std::uint8_t> stream,
                                      std::span<const std::uint8_t> apdu,
                                      std::span<const std::string> clear_identifiers) {
  std::vector<std::uint8_t> out(stream.begin(), stream.end());
  if (const auto cipher = parse_cipher_header(apdu)) {
    // The header sits in the first link frame, in one piece: find it by its first bytes.
    const std::size_t title_end = cipher->title_offset + dlms::kSystemTitleSize;
    if (const auto at = find_bytes(stream, apdu.first(title_end))) {
      mask(out, *at + cipher->title_offset + kTitleFlagBytes,
           dlms::kSystemTitleSize - kTitleFlagBytes);
      const std::size_t ic = *at + cipher->ic_offset;
      if (ic + 4 <= stream.size() &&
          std::equal(apdu.begin() + static_cast<std::ptrdiff_t>(cipher->ic_offset),
                     apdu.begin() + static_cast<std::ptrdiff_t>(cipher->ic_offset + 4),
                     stream.begin() + static_cast<std::ptrdiff_t>(ic))) {
        mask(out, ic, 4);
      }
    }
    if (cipher->has_tag && apdu.size() >= kTagBytes) {
      if (const auto at = find_bytes(stream, apdu.last(kTagBytes), true)) mask(out, *at, kTagBytes);
    }
  }
  for (const auto& id : clear_identifiers) {
    if (id.size() < 4) continue;  // too short to find without hitting other bytes
    const std::vector<std::uint8_t> needle(id.begin(), id.end());
    std::size_t from = 0;
    while (auto at = find_bytes(stream.subspan(from), needle)) {
      mask(out, from + *at, needle.size());
      from += *at + needle.size();
    }
  }
  fix_checksums(out);
  return out;
}

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

std::string format_diagnosis(const Diagnosis& d) {
  std::string out;
  for (const auto& s : d.stages) {
    std::string label = "[" + std::string(to_string(s.verdict)) + "]";
    label.resize(7, ' ');
    out += label + s.stage + "\n";
    for (const auto& f : s.findings) out += "       " + f + "\n";
    if (!s.next_step.empty()) out += "       Next: " + s.next_step + "\n";
  }
  if (!d.values_text.empty()) {
    out +=
        "\nDecoded values of the last frame (they identify your meter; paste only the redacted "
        "capture below):\n" +
        d.values_text;
  }
  if (!d.redacted_capture.empty()) {
    out += "\nRedacted capture, safe to paste into a bug report:\n" + d.redacted_capture;
  }
  out += d.values_decoded ? "\nResult: values decoded.\n"
                          : "\nResult: no values decoded; act on the first FAIL above.\n";
  return out;
}

}  // namespace sm::app
