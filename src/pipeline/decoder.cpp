#include "pipeline/decoder.h"

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "dlms/apdu.h"

namespace sm::pipeline {
namespace {

// The first byte of a plaintext APDU we can use; anything else after decryption
// without a verified tag means the key did not fit.
bool plausible_plaintext(std::span<const std::uint8_t> plaintext) {
  if (plaintext.empty()) return false;
  return plaintext[0] == 0x0F || cosem::looks_like_dsmr(plaintext);
}

// The A-XDR tree of one notification lives only while its Reading is built, so it is
// built in an arena on the stack: a typical push (up to ~150 values) fits, and a bigger
// one continues on the heap in a few large blocks instead of one allocation per value.
constexpr std::size_t kArenaBytes = 16 * 1024;

// With CTR-only ciphering (no tag) a wrong key still "decrypts"; the only evidence is
// that the result is not an APDU. Report that as `decrypt`, never as numbers.
[[gnu::cold]] Error not_an_apdu(const Error& cause) {
  return Error{ErrorCode::decrypt, Layer::dlms, cause.offset,
               "decrypted bytes do not form an APDU (" + cause.message +
                   ") - the key does not fit these frames"};
}

// The FrameFailure of an APDU, appended to `out` (out of the hot path: cold).
[[gnu::cold, gnu::noinline]] void add_failure(std::vector<Outcome>& out, Error error,
                                              const frame::Apdu& apdu,
                                              std::optional<dlms::SecurityHeader> security,
                                              Annotations&& notes) {
  out.emplace_back(FrameFailure{std::move(error), apdu.link, apdu.stream_offset, apdu.stream_length,
                                security, std::move(notes)});
}

}  // namespace

// Every plaintext the direct path does not take: DSMR text, and data-notifications as an
// A-XDR value tree (in a stack arena) read by the COSEM layer. Out of line, so that its
// arena and code stay out of the direct path's way.
[[gnu::noinline]] Result<void> Decoder::decode_general(std::span<const std::uint8_t> plaintext,
                                                       Annotations* sink,
                                                       cosem::Reading& out) const {
  if (cosem::looks_like_dsmr(plaintext)) {
    const std::string text(plaintext.begin(), plaintext.end());
    auto reading = cosem::decode_dsmr(text);
    if (!reading) return tl::unexpected(reading.error());
    out = std::move(*reading);
    return {};
  }
  // Items named by untagged attribute descriptors (ČEZ, EG.D) are no A-XDR value tree. Their
  // error stands only when the value tree cannot be read either.
  std::optional<Error> items_error;
  if (auto items = cosem::decode_descriptor_items(plaintext, options_.axdr, options_.cosem)) {
    if (*items) {
      out = std::move(**items);
      return {};
    }
    items_error = items->error();
  }
  alignas(std::max_align_t) std::array<std::byte, kArenaBytes> arena_buffer;
  dlms::ValueArena arena(arena_buffer);
  auto notification = dlms::decode_data_notification(plaintext, options_.axdr, sink, &arena);
  if (!notification) return tl::unexpected(items_error.value_or(notification.error()));
  auto reading = cosem::decode_notification(*notification, options_.cosem);
  if (!reading) return tl::unexpected(items_error.value_or(reading.error()));
  out = std::move(*reading);
  return {};
}

Decoder::Decoder(DecoderOptions options)
    : options_(std::move(options)),
      framer_(options_.framer, options_.explain ? frame::Annotate::yes : frame::Annotate::no) {}

std::vector<Outcome> Decoder::push(std::span<const std::uint8_t> bytes) {
  std::vector<Outcome> out;
  push(bytes, out);
  return out;
}

[[gnu::hot]] void Decoder::push(std::span<const std::uint8_t> bytes, std::vector<Outcome>& out) {
  recycle(out);
  framer_.push(bytes, events_);
  convert(events_, out);
}

std::vector<Outcome> Decoder::finish() {
  std::vector<Outcome> out;
  framer_.finish(events_);
  convert(events_, out);
  return out;
}

void Decoder::reset() {
  framer_.reset();
}

void Decoder::recycle(std::vector<Outcome>& out) {
  for (auto& outcome : out) {
    auto* decoded = std::get_if<DecodedFrame>(&outcome);
    if (decoded != nullptr &&
        decoded->reading.registers.capacity() > buffers_.registers.capacity()) {
      buffers_.registers.swap(decoded->reading.registers);
    }
  }
  buffers_.registers.clear();
  out.clear();
}

[[gnu::hot]] void Decoder::convert(std::vector<frame::FrameEvent>& events,
                                   std::vector<Outcome>& out) {
  out.reserve(out.size() + events.size());
  for (auto& event : events) {
    if (auto* apdu = std::get_if<frame::Apdu>(&event)) {
      decode_apdu_into(std::move(*apdu), out, &buffers_);
      framer_.recycle(std::move(apdu->bytes));  // for the next APDU (kept only by explain)
    } else {
      auto& fe = std::get<frame::FrameError>(event);
      out.emplace_back(FrameFailure{std::move(fe.error), std::nullopt, fe.stream_offset, fe.skipped,
                                    std::nullopt, Annotations{}});
    }
  }
  events.clear();  // nothing of a push is kept beyond it
}

Outcome Decoder::decode_apdu(frame::Apdu apdu) const {
  std::vector<Outcome> out;
  out.reserve(1);
  decode_apdu_into(std::move(apdu), out, nullptr);
  return std::move(out.front());
}

// A DSMR telegram the framer found: text, no security layer, read by the DSMR decoder.
// Policy stays with the caller: like a plaintext APDU it has no security header, so the
// exporter's SecurityPin rejects it as `unencrypted` when a key is configured.
[[gnu::noinline]] void Decoder::decode_telegram(frame::Apdu&& apdu, std::vector<Outcome>& out,
                                                Annotations&& notes) const {
  const std::string_view text(reinterpret_cast<const char*>(apdu.bytes.data()), apdu.bytes.size());
  auto reading = cosem::decode_dsmr(text);
  if (!reading) {
    add_failure(out, reading.error(), apdu, std::nullopt, std::move(notes));
    return;
  }
  auto& decoded = std::get<DecodedFrame>(out.emplace_back(std::in_place_type<DecodedFrame>));
  decoded.reading = std::move(*reading);
  decoded.link = apdu.link;
  decoded.stream_offset = apdu.stream_offset;
  decoded.stream_length = apdu.stream_length;
  decoded.link_frames = apdu.link_frames;
  if (options_.explain) {
    decoded.notes = std::move(notes);
    decoded.apdu = std::move(apdu.bytes);
  }
}

// The Outcome is built where it is returned (out.back()): a Reading is large, and moving
// it from function to function cost more than building it.
[[gnu::hot]] void Decoder::decode_apdu_into(frame::Apdu&& apdu, std::vector<Outcome>& out,
                                            Buffers* buffers) const {
  Annotations notes;
  Annotations* sink = options_.explain ? &notes : nullptr;
  if (sink != nullptr) notes = std::move(apdu.notes);
  if (apdu.link == frame::LinkType::dsmr) {
    decode_telegram(std::move(apdu), out, std::move(notes));
    return;
  }

  auto failure = [&](Error error, std::optional<dlms::SecurityHeader> security) {
    add_failure(out, std::move(error), apdu, security, std::move(notes));
  };

  auto unprotected = dlms::unprotect(
      apdu.bytes, options_.keys, sink,
      buffers != nullptr ? std::move(buffers->plaintext) : std::vector<std::uint8_t>{});
  if (!unprotected) {
    failure(unprotected.error(), std::nullopt);
    return;
  }

  const auto& security = unprotected->security;
  const bool key_unproven =
      security.has_value() && security->encrypted() && !unprotected->tag_verified;
  std::span<const std::uint8_t> plaintext = unprotected->plaintext;

  if (key_unproven && !plausible_plaintext(plaintext)) {
    failure(
        not_an_apdu(Error{ErrorCode::decode, Layer::dlms, 0, "unknown APDU tag after decryption"}),
        security);
    return;
  }

  auto& decoded = std::get<DecodedFrame>(out.emplace_back(std::in_place_type<DecodedFrame>));
  if (buffers != nullptr) decoded.reading.registers.swap(buffers->registers);  // empty
  // Fills decoded.reading; an error instead (out.back() is then replaced by the failure).
  // The direct path for OBIS lists (not with explain: it needs the general path's
  // annotations), else the general one.
  const bool direct =
      sink == nullptr && !cosem::looks_like_dsmr(plaintext) &&
      cosem::decode_common_notification(plaintext, options_.axdr, options_.cosem, decoded.reading);
  const Result<void> read =
      direct ? Result<void>{} : decode_general(plaintext, sink, decoded.reading);
  if (!read) {
    Error error = read.error();
    if (key_unproven && error.layer == Layer::dlms && error.code == ErrorCode::decode) {
      error = not_an_apdu(error);
    }
    out.pop_back();
    failure(std::move(error), security);
    return;
  }

  decoded.link = apdu.link;
  decoded.stream_offset = apdu.stream_offset;
  decoded.stream_length = apdu.stream_length;
  decoded.link_frames = apdu.link_frames;
  decoded.security = security;
  decoded.tag_verified = unprotected->tag_verified;
  if (options_.explain) {
    decoded.notes = std::move(notes);
    decoded.plaintext = std::move(unprotected->plaintext);
    decoded.apdu = std::move(apdu.bytes);
  } else if (buffers != nullptr) {
    buffers->plaintext = std::move(unprotected->plaintext);  // for the next APDU
  }
}

}  // namespace sm::pipeline
