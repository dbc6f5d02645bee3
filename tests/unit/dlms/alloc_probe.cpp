#include "alloc_probe.h"

#include <cstdlib>
#include <new>

namespace sm::dlms::test {
namespace {
thread_local bool g_active = false;
thread_local AllocStats g_stats;

void record(std::size_t n) noexcept {
  if (!g_active) return;
  ++g_stats.count;
  g_stats.total += n;
  if (n > g_stats.largest) g_stats.largest = n;
}
}  // namespace

void alloc_probe_start() noexcept {
  g_stats = {};
  g_active = true;
}

AllocStats alloc_probe_stop() noexcept {
  g_active = false;
  return g_stats;
}

}  // namespace sm::dlms::test

// Global replacements (the array and nothrow forms forward to these by default).
void* operator new(std::size_t n) {
  sm::dlms::test::record(n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
