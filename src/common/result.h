// Result<T>: the one error-reporting type of every parser in this project.
//
// An Error names what failed (a small closed set of codes; those of a frame also become
// the `reason` label of smartmeter_frame_errors_total), the layer that noticed it, the
// byte offset inside the unit that layer was parsing, and a human message.
// tl::expected (Debian libexpected-dev) stands in for C++23 std::expected.
#pragma once

#include <cstddef>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace sm {

enum class ErrorCode {
  checksum,     // M-Bus checksum, HDLC HCS/FCS wrong
  length,       // a length field contradicts the bytes present, or exceeds a limit
  incomplete,   // bytes ended before the unit did (truncated frame, missing GBT block)
  key,          // payload is encrypted but no key was given
  auth,         // GCM tag did not verify
  decrypt,      // decryption produced bytes that are not an APDU (typically a wrong key)
  decode,       // structurally invalid content (A-XDR, APDU, COSEM, DSMR)
  unsupported,  // valid but not handled here (e.g. an APDU type we do not decode)
  // Setting the exporter up, never a frame's fate (so never a `reason` label):
  config,  // a flag, config file, key file or address is invalid
  io,      // a file, device or socket could not be opened, read or written (errno in message)
};

enum class Layer { frame, crypto, dlms, cosem, source, http, app };

[[nodiscard]] constexpr std::string_view to_string(ErrorCode c) noexcept {
  switch (c) {
    case ErrorCode::checksum:
      return "checksum";
    case ErrorCode::length:
      return "length";
    case ErrorCode::incomplete:
      return "incomplete";
    case ErrorCode::key:
      return "key";
    case ErrorCode::auth:
      return "auth";
    case ErrorCode::decrypt:
      return "decrypt";
    case ErrorCode::decode:
      return "decode";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::config:
      return "config";
    case ErrorCode::io:
      return "io";
  }
  return "unknown";
}

[[nodiscard]] constexpr std::string_view to_string(Layer l) noexcept {
  switch (l) {
    case Layer::frame:
      return "frame";
    case Layer::crypto:
      return "crypto";
    case Layer::dlms:
      return "dlms";
    case Layer::cosem:
      return "cosem";
    case Layer::source:
      return "source";
    case Layer::http:
      return "http";
    case Layer::app:
      return "app";
  }
  return "unknown";
}

struct Error {
  ErrorCode code{ErrorCode::decode};
  Layer layer{Layer::frame};
  std::size_t offset{0};  // byte offset inside the unit being parsed by `layer`
  std::string message;    // never contains key material

  [[nodiscard]] std::string describe() const {
    return std::string(to_string(code)) + " error in " + std::string(to_string(layer)) +
           " layer at offset " + std::to_string(offset) + ": " + message;
  }
};

template <class T>
using Result = tl::expected<T, Error>;

// Cold, like every function that builds an Error: the compiler moves the paths that call
// it (and build its message) out of the hot code.
[[nodiscard, gnu::cold]] inline tl::unexpected<Error> fail(ErrorCode code, Layer layer,
                                                           std::size_t offset,
                                                           std::string message) {
  return tl::unexpected<Error>(Error{code, layer, offset, std::move(message)});
}

// A flag, config file, key file or address that cannot be used (ErrorCode::config): what
// the user must change, never a frame's fate.
[[nodiscard, gnu::cold]] inline tl::unexpected<Error> config_error(Layer layer,
                                                                   std::string message) {
  return fail(ErrorCode::config, layer, 0, std::move(message));
}

// Runs `f` (which returns a Result) where a library reports failure by exception: what it
// throws becomes an Error with `code` and `layer` whose message starts with `what`, so no
// exception crosses a layer. Library messages name algorithms and sizes, never key bytes.
template <class F>
auto catch_into_error(ErrorCode code, Layer layer, std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(code, layer, 0, std::string(what) + ": out of memory");
  } catch (const std::exception& ex) {
    return fail(code, layer, 0, std::string(what) + ": " + ex.what());
  } catch (...) {
    return fail(code, layer, 0, std::string(what) + ": unknown error");
  }
}

}  // namespace sm
