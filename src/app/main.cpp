// smartmeter_exporter: entry point. Without a subcommand it serves /metrics (flags as
// in ServeSettings); `decode` decodes captured frames, `diagnose` checks a setup stage by
// stage, `record` writes a capture. No protocol logic lives here.
#include <iostream>
#include <malloc.h>
#include <sstream>

#include <CLI/CLI.hpp>

#include "app/decode_command.h"
#include "app/diagnose_command.h"
#include "app/hardening.h"
#include "app/log.h"
#include "app/record_command.h"
#include "app/serve_command.h"
#include "app/version.h"
#include "crypto/digest.h"

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena (up to 8 per core), each with its
  // own free lists and fragmentation; the HTTP workers allocate a little per scrape. Two
  // arenas are plenty for an exporter and keep its resident memory down.
  mallopt(M_ARENA_MAX, 2);
  // Before any key is read: no core dumps (--debug.allow-core-dumps turns them back on once
  // the flags are parsed), and SIGUSR1/SIGUSR2 do not end the process.
  sm::app::forbid_core_dumps();
  sm::app::ignore_user_signals();
  CLI::App app{"smartmeter_exporter - Prometheus exporter for DLMS/COSEM smart meters"};
  app.set_version_flag("--version", [] {
    return "smartmeter_exporter " + std::string(sm::app::version()) + " (revision " +
           std::string(sm::app::revision()) + ", " + std::string(sm::app::compiler()) + ", Botan " +
           sm::crypto::library_version() + ", AES " + sm::crypto::aes_provider() + ")";
  });
  app.require_subcommand(0, 1);
  int exit_status = 0;
  sm::app::ServeSettings serve;
  sm::app::add_serve_flags(app, serve);
  sm::app::DecodeSettings decode;
  sm::app::add_decode_command(app, decode, &exit_status);
  // These two read the serving flags (also from --config), so they run after parsing.
  sm::app::DiagnoseSettings diagnose;
  auto* diagnose_command = sm::app::add_diagnose_command(app, diagnose, serve);
  sm::app::RecordSettings record;
  auto* record_command = sm::app::add_record_command(app, record, serve);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse …" even for TOML; name the file instead.
    sm::app::print_error("smartmeter_exporter", "--config " + app["--config"]->as<std::string>() +
                                                    ": unknown or invalid setting (" + e.what() +
                                                    ")");
    return 2;
  } catch (const CLI::ParseError& e) {
    // CLI11 echoes what it did not expect, which may be a key given to a mistyped flag.
    std::ostringstream error;
    const int code = app.exit(e, std::cout, error);
    if (!error.str().empty()) sm::app::print_error("smartmeter_exporter", error.str());
    return code == 0 ? 0 : 2;  // --help/--version exit 0; every usage error exits 2
  }
  sm::app::note_key_origins(serve, app, argc, argv);
  sm::app::wipe_secret_arguments(argc, argv, app, sm::app::kKeyFlags);
  sm::app::allow_core_dumps(serve.allow_core_dumps);
  if (diagnose_command->parsed()) return sm::app::run_diagnose(diagnose, serve);
  if (record_command->parsed()) return sm::app::run_record(record, serve);
  if (app.get_subcommands().empty()) return sm::app::run_serve(serve);
  return exit_status;
}
