#include <algorithm>
#include <map>

#include "app/diagnosis_stages.h"
#include "app/diagnosis_wording.h"
#include "app/keys.h"
#include "app/render.h"
#include "common/hex.h"
#include "dlms/apdu_tags.h"
#include "dlms/manufacturers.h"

namespace sm::app::diag {

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
    const auto general =
        std::find_if(best.frames.begin(), best.frames.end(), [](const SeenFrame& f) {
          return !f.apdu.bytes.empty() && dlms::is_general_protection_tag(f.apdu.bytes.front());
        });
    if (general != best.frames.end()) {  // framed by its fields, but no ciphering header
      const std::uint8_t tag = general->apdu.bytes.front();
      s.verdict = Verdict::fail;
      s.findings.push_back(std::string(dlms::apdu_name(tag)) + " (0x" + hex_u8(tag) +
                           ") is not decoded: the exporter reads general-glo-ciphering (0xDB) "
                           "and general-ded-ciphering (0xDC)");
      return s;
    }
    s.findings.push_back("the APDUs are not ciphered (plain data-notifications): no key needed");
    if (options.keys.encryption) {
      s.findings.push_back("the configured key is not used for these frames");
    }
    return s;
  }
  const auto& h = it->cipher->header;
  s.findings.push_back(std::string(dlms::apdu_name(h.apdu_tag)) + " (0x" + hex_u8(h.apdu_tag) +
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

}  // namespace sm::app::diag
