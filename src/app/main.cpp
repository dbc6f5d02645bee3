// smartmeter_exporter: entry point. Without a subcommand it serves /metrics (flags as
// in ServeSettings); `decode` decodes captured frames, `diagnose` checks a setup stage by
// stage, `record` writes a capture. No protocol logic lives here.
#include <iostream>
#include <malloc.h>

#include <CLI/CLI.hpp>

#include "app/decode_command.h"
#include "app/diagnose_command.h"
#include "app/record_command.h"
#include "app/serve_command.h"
#include "app/version.h"
#include "crypto/digest.h"

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena (up to 8 per core), each with its
  // own free lists and fragmentation; the HTTP workers allocate a little per scrape. Two
  // arenas are plenty for an exporter and keep its resident memory down.
  mallopt(M_ARENA_MAX, 2);
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
    std::cerr << "smartmeter_exporter: --config " << app["--config"]->as<std::string>()
              << ": unknown or invalid setting (" << e.what() << ")\n";
    return 2;
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;  // --help/--version exit 0; every usage error exits 2
  }
  if (diagnose_command->parsed()) return sm::app::run_diagnose(diagnose, serve);
  if (record_command->parsed()) return sm::app::run_record(record, serve);
  if (app.get_subcommands().empty()) return sm::app::run_serve(serve);
  return exit_status;
}
