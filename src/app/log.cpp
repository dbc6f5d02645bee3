#include "app/log.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/json_writer.h"
#include "common/redact.h"

namespace sm::app {
namespace {

// syslog priorities as sd-daemon(3) prefixes.
constexpr std::string_view journal_prefix(LogLevel l) {
  switch (l) {
    case LogLevel::debug:
      return "<7>";
    case LogLevel::info:
      return "<6>";
    case LogLevel::warn:
      return "<4>";
    case LogLevel::error:
      return "<3>";
  }
  return "<6>";
}

std::string timestamp(std::chrono::system_clock::time_point when) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(when);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when - secs).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

void logfmt_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out += v;
    return;
  }
  JsonWriter::escape_into(out, v);  // logfmt quoting is JSON string quoting
}

}  // namespace

void print_error(std::string_view program, std::string_view message) {
  const std::string line =
      std::string(program) + ": " + redact_keys(message) + (message.ends_with('\n') ? "" : "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::optional<LogFormat> parse_log_format(std::string_view s) {
  if (s == "logfmt") return LogFormat::logfmt;
  if (s == "json") return LogFormat::json;
  return std::nullopt;
}

Logger::Logger(LogLevel level, LogFormat format)
    : level_(level), format_(format), journal_(std::getenv("JOURNAL_STREAM") != nullptr) {}

std::string Logger::format_line(LogLevel level, std::string_view msg,
                                std::initializer_list<LogField> fields,
                                std::chrono::system_clock::time_point when) const {
  if (format_ == LogFormat::json) {
    JsonWriter w;
    w.begin_object();
    w.key("ts").value(timestamp(when));
    w.key("level").value(log_level_name(level));
    w.key("msg").value(msg);
    for (const auto& [k, v] : fields) w.key(k).value(v);
    w.end_object();
    return w.take();
  }
  std::string out =
      "ts=" + timestamp(when) + " level=" + std::string(log_level_name(level)) + " msg=";
  logfmt_value(out, msg);
  for (const auto& [k, v] : fields) {
    out += ' ';
    out += k;
    out += '=';
    logfmt_value(out, v);
  }
  return out;
}

void Logger::log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  std::lock_guard lock(mutex_);
  if (level < level_) return;
  std::string line = redact_keys(format_line(level, msg, fields, std::chrono::system_clock::now()));
  if (journal_) line.insert(0, journal_prefix(level));
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

bool Logger::log_limited(std::string_view key, std::chrono::seconds interval, LogLevel level,
                         std::string_view msg, std::initializer_list<LogField> fields) {
  unsigned suppressed = 0;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    auto it = limits_.find(key);
    if (it != limits_.end() && now - it->second.last < interval) {
      ++it->second.suppressed;
      return false;
    }
    if (it == limits_.end()) it = limits_.emplace(std::string(key), Limit{}).first;
    suppressed = it->second.suppressed;
    it->second = Limit{now, 0};
  }
  if (suppressed == 0) {
    log(level, msg, fields);
  } else {
    std::string line(msg);
    line += " (" + std::to_string(suppressed) + " similar messages suppressed)";
    log(level, line, fields);
  }
  return true;
}

}  // namespace sm::app
