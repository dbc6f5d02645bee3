// Process-wide protections set up by main() before and after the flags are parsed: no core
// dumps (they would hold the keys), SIGUSR1/SIGUSR2 ignored (their default action kills),
// and the key flags' text wiped from argv and from CLI11's copies once parsed.
#pragma once

#include <span>
#include <string_view>

#include <CLI/CLI.hpp>

namespace sm::app {

// Makes the process non-dumpable (prctl PR_SET_DUMPABLE 0): no core dump is written and
// other processes of the same user cannot ptrace it or read its memory. main() calls this
// first; allow_core_dumps(true) undoes it for --debug.allow-core-dumps.
void forbid_core_dumps();
void allow_core_dumps(bool allowed);
[[nodiscard]] bool core_dumps_allowed();

// SIGUSR1 and SIGUSR2 are ignored: `kill -USR1`, sent by log rotators and process
// supervisors by habit, would otherwise end the exporter.
void ignore_user_signals();

// Overwrites the values of the given options in argv (both "--flag=value" and "--flag value")
// with 'x' and scrubs CLI11's stored copies, so the key text is gone from memory once
// parsed; `ps` then shows the flag with x's instead of the key.
void wipe_secret_arguments(int argc, char** argv, CLI::App& app,
                           std::span<const std::string_view> flags);

}  // namespace sm::app
