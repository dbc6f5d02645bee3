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

// Global replacements. All the unaligned forms: the array and nothrow ones forward to
// these in libstdc++, but a sanitizer runtime brings its own, which must not meet ours
// (std::stable_sort's nothrow new, freed by our delete, is an alloc-dealloc mismatch).
namespace {
void* allocate(std::size_t n) noexcept {
  sm::dlms::test::record(n);
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return allocate(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return allocate(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
