// CivetWeb's side of starting and stopping HttpServer (internal to sm_http): the listen
// addresses and options as CivetWeb takes them, its start-up errors explained, and the
// connection that ends the accept thread's wait when stopping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <civetweb.h>

#include "common/result.h"
#include "http/listen_address.h"
#include "http/server.h"

namespace sm::http::civetweb {

[[nodiscard]] tl::unexpected<Error> start_error(std::string message);

// CivetWeb starts its library lazily and not thread-safely; do it once, up front.
void init_civetweb_library();

[[nodiscard]] Result<void> check_options(const ServerOptions& options);

// Where the server listens: CivetWeb's "listening_ports" value, and what stop() connects to.
struct Listeners {
  std::string civetweb_ports;           // "127.0.0.1:9100,[::1]:9100"
  std::vector<std::string> wake_hosts;  // per address, see stop()
  std::string shown;                    // the addresses as given, for messages
  std::size_t count{0};
};

[[nodiscard]] Result<Listeners> plan_listeners(const std::vector<ListenAddress>& addresses);

using Setting = std::pair<std::string_view, std::string>;

// CivetWeb's documented options (mg_get_valid_options()), the same in 1.15 and 1.16.
[[nodiscard]] std::vector<Setting> civetweb_settings(const ServerOptions& options,
                                                     std::string listening_ports);
// mg_start2()'s name/value list; points into `settings`.
[[nodiscard]] std::vector<const char*> option_pointers(const std::vector<Setting>& settings);

// mg_start2()'s error code. CivetWeb 1.15 (Debian bookworm) writes it through a pointer to the
// caller's variable (`storage`); 1.16 (trixie) made mg_error_data::code a number it fills in.
void point_error_code_at(mg_error_data& error, unsigned& storage);
[[nodiscard]] unsigned error_code_of(const mg_error_data& error, unsigned storage);

// Why mg_start2() failed, from the log lines CivetWeb wrote during it and its summary, with a
// hint for known causes.
[[nodiscard]] std::string start_failure_cause(const std::vector<std::string>& messages,
                                              std::string_view summary, unsigned code);

// Opens and at once closes a connection; the worker that gets it reads EOF and moves on.
void poke(const std::string& host, std::uint16_t port) noexcept;

}  // namespace sm::http::civetweb
