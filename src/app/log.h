// Logger: structured lines to stderr, logfmt or JSON, with the journald priority prefix
// ("<6>") when stderr is connected to the journal (JOURNAL_STREAM set). Thread-safe.
// Messages never carry key material: callers log fingerprints, and every line (and every
// error printed by print_error) passes through redact_keys() for a key typed in the wrong place.
#pragma once

#include <chrono>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/log_level.h"

namespace sm::app {

enum class LogFormat { logfmt, json };

std::optional<LogFormat> parse_log_format(std::string_view s);

using LogField = std::pair<std::string_view, std::string>;

// Prints "<program>: <message>" on stderr (e.g. "smartmeter_exporter decode: ..."), with any
// key-like hex run redacted. Every error printed outside the Logger goes through here.
void print_error(std::string_view program, std::string_view message);

class Logger {
 public:
  Logger(LogLevel level = LogLevel::info, LogFormat format = LogFormat::logfmt);

  void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::debug, m, f);
  }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::info, m, f);
  }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::warn, m, f);
  }
  void error(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::error, m, f);
  }

  // Logs at most once per `interval` for the same `key`; returns whether it logged.
  // The suppressed count is added to the next line as `suppressed=N`.
  bool log_limited(std::string_view key, std::chrono::seconds interval, LogLevel level,
                   std::string_view msg, std::initializer_list<LogField> fields = {});

  // Formats one line (no trailing newline) without the journald prefix; for tests.
  std::string format_line(LogLevel level, std::string_view msg,
                          std::initializer_list<LogField> fields,
                          std::chrono::system_clock::time_point when) const;

 private:
  struct Limit {
    std::chrono::steady_clock::time_point last;
    unsigned suppressed = 0;
  };
  std::mutex mutex_;
  LogLevel level_;
  LogFormat format_;
  bool journal_;
  std::map<std::string, Limit, std::less<>> limits_;
};

}  // namespace sm::app
