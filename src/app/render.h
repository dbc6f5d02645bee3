// How `decode` (and `diagnose`) print decoded frames: json (one object per line),
// text (a readable table) and explain (every byte range with its layer and meaning).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "pipeline/decoder.h"

namespace sm::app {

enum class OutputFormat { text, json, explain };

// How a failure is presented: a frame that failed, or the bytes after the last decoded frame
// that the end of the input left unframed (a capture cut inside the next frame, or bytes after
// a closing flag): reported, but not a failed frame (see decode_command.cpp).
enum class FailureKind { frame, trailing };

// One line of JSON, without the trailing newline.
std::string render_json(const pipeline::Outcome& outcome, FailureKind kind = FailureKind::frame);

// A readable block: header line, then one row per register.
std::string render_text(const pipeline::Outcome& outcome, FailureKind kind = FailureKind::frame);

// Byte-by-byte explanation; `stream` is the whole input (for link-layer ranges).
std::string render_explain(const pipeline::Outcome& outcome, std::span<const std::uint8_t> stream);

// Three-letter FLAG manufacturer id of a system title ("KFM") and its name, when known.
std::string manufacturer_code(const dlms::SystemTitle& title);
std::string manufacturer_name(const dlms::SystemTitle& title);

// Display name of a register ("VoltageL1"), or the OBIS code when there is none.
std::string register_display_name(const cosem::Obis& obis);

}  // namespace sm::app
