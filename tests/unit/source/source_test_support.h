// Helpers for the source tests: a sink that records everything (thread-safe, with
// waits instead of sleeps), a thread that runs a source, temp dirs and pseudo-terminals.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <pty.h>
#include <string>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include "source/source.h"
#include "source/unique_fd.h"

namespace sm::source::testing {

// A chunk's bytes as a vector, to compare with expected ones.
inline std::vector<std::uint8_t> bytes_of(std::span<const std::uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

using namespace std::chrono_literals;

class RecordingSink final : public Sink {
 public:
  struct Chunk {
    std::vector<std::uint8_t> bytes;
    std::chrono::system_clock::time_point arrival;
    std::chrono::steady_clock::time_point received;
  };
  struct LogLine {
    LogLevel level;
    std::string text;
  };

  void on_bytes(std::span<const std::uint8_t> bytes,
                std::chrono::system_clock::time_point arrival) override {
    update([&] {
      chunks_.push_back({{bytes.begin(), bytes.end()}, arrival, std::chrono::steady_clock::now()});
      bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    });
  }
  void on_connected(bool reconnect) override {
    update([&] { (reconnect ? reconnects_ : first_connects_)++; });
  }
  void on_disconnected(std::string_view reason) override {
    update([&] { disconnect_reasons_.emplace_back(reason); });
  }
  void on_end_of_input() override {
    update([&] { ends_++; });
  }
  void on_replay_repeat() override {
    update([&] { repeats_++; });
  }
  void log(LogLevel level, std::string_view message) override {
    update([&] { logs_.push_back({level, std::string(message)}); });
  }

  // Waits (without polling) until `done()` holds; false after `timeout`.
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, done);
  }
  bool wait_for_bytes(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return bytes_.size() >= count; }, timeout);
  }
  bool wait_for_connects(int first, int reconnects, std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return first_connects_ >= first && reconnects_ >= reconnects; },
                      timeout);
  }
  bool wait_for_disconnects(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return disconnect_reasons_.size() >= count; }, timeout);
  }
  bool wait_for_end(std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return ends_ > 0; }, timeout);
  }
  bool wait_for_log(const std::string& fragment, std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return has_log_locked(fragment); }, timeout);
  }

  std::vector<std::uint8_t> bytes() const {
    return read([&] { return bytes_; });
  }
  std::vector<Chunk> chunks() const {
    return read([&] { return chunks_; });
  }
  int first_connects() const {
    return read([&] { return first_connects_; });
  }
  int reconnects() const {
    return read([&] { return reconnects_; });
  }
  int ends() const {
    return read([&] { return ends_; });
  }
  int repeats() const {
    return read([&] { return repeats_; });
  }
  std::vector<std::string> disconnect_reasons() const {
    return read([&] { return disconnect_reasons_; });
  }
  std::vector<LogLine> logs() const {
    return read([&] { return logs_; });
  }
  bool has_log(const std::string& fragment) const {
    return read([&] { return has_log_locked(fragment); });
  }
  void clear_bytes() {
    update([&] {
      bytes_.clear();
      chunks_.clear();
    });
  }

 private:
  template <class F>
  void update(F&& change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    changed_.notify_all();
  }
  template <class F>
  auto read(F&& get) const -> std::invoke_result_t<F&> {
    std::lock_guard lock(mutex_);
    return get();
  }
  bool has_log_locked(const std::string& fragment) const {
    for (const auto& line : logs_) {
      if (line.text.find(fragment) != std::string::npos) return true;
    }
    return false;
  }

  // Recursive: wait_until() predicates may call the public accessors.
  mutable std::recursive_mutex mutex_;
  std::condition_variable_any changed_;
  std::vector<std::uint8_t> bytes_;
  std::vector<Chunk> chunks_;
  int first_connects_ = 0;
  int reconnects_ = 0;
  int ends_ = 0;
  int repeats_ = 0;
  std::vector<std::string> disconnect_reasons_;
  std::vector<LogLine> logs_;
};

// Runs source.run(sink) on a thread; stops and joins on destruction.
class RunningSource {
 public:
  RunningSource(Source& source, Sink& sink)
      : source_(source), thread_([&source, &sink] { source.run(sink); }) {}
  ~RunningSource() { stop(); }
  RunningSource(const RunningSource&) = delete;
  RunningSource& operator=(const RunningSource&) = delete;

  // How long stop() took to make run() return.
  std::chrono::milliseconds stop() {
    if (!thread_.joinable()) return 0ms;
    auto begin = std::chrono::steady_clock::now();
    source_.stop();
    thread_.join();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 begin);
  }

 private:
  Source& source_;
  std::thread thread_;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sm_source_XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A pseudo-terminal pair. The test keeps the master; the source opens the slave by path
// (the test's own slave descriptor is closed so that closing the master hangs it up).
struct PseudoTerminal {
  UniqueFd master;
  std::string slave_path;

  static PseudoTerminal open() {
    int master_fd = -1;
    int slave_fd = -1;
    PseudoTerminal pty;
    if (::openpty(&master_fd, &slave_fd, nullptr, nullptr, nullptr) != 0) return pty;
    pty.master.reset(master_fd);
    char name[256] = {};
    if (::ttyname_r(slave_fd, name, sizeof name) == 0) pty.slave_path = name;
    ::close(slave_fd);
    return pty;
  }

  bool write(const std::vector<std::uint8_t>& bytes) const {
    return ::write(master.get(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  }
};

// Points `link` at `target`, replacing an existing link atomically (rename), the way
// udev re-creates /dev/serial/by-id/... when an adapter comes back.
inline bool point_symlink(const std::string& link, const std::string& target) {
  std::string temporary = link + ".new";
  std::error_code error;
  std::filesystem::remove(temporary, error);
  std::filesystem::create_symlink(target, temporary, error);
  if (error) return false;
  std::filesystem::rename(temporary, link, error);
  return !error;
}

}  // namespace sm::source::testing
