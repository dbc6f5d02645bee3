// The wait of CivetWeb's accept thread, without its 2-second wake-ups.
//
// CivetWeb 1.15 (Debian bookworm) has its accept thread ("civetweb-master") poll the
// listening sockets in quanta of 2 s (SOCKET_TIMEOUT_QUANTUM, fixed at compile time), only to
// look at its stop flag in between: an idle exporter woke 30 times a minute. accept_wait.cpp
// defines poll(): calls from that thread with a timeout wait without one, on the listening
// sockets plus a "stop requested" eventfd; every other poll() goes straight to the kernel.
// HttpServer::stop() raises the eventfd around mg_stop(), so stopping stays immediate.
#pragma once

namespace sm::http::accept_wait {

// Wakes every accept thread that is waiting; they see their stop flags. Counted: each
// call needs one end_stop() (several servers may stop at once). Until then the accept
// threads of servers that keep running return from every wait at once (they spin for
// the few milliseconds an mg_stop() takes; only tests run several servers).
void begin_stop() noexcept;
void end_stop() noexcept;

}  // namespace sm::http::accept_wait
