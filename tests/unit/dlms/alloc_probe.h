// Counts heap allocations made by the current thread between start() and stop(), so
// tests can prove that hostile lengths allocate nothing big (and that the length walk
// allocates nothing at all). Backed by a replacement of the global operator new in
// alloc_probe.cpp (unit_dlms only).
#pragma once

#include <cstddef>

namespace sm::dlms::test {

struct AllocStats {
  std::size_t count{0};
  std::size_t largest{0};
  std::size_t total{0};
};

void alloc_probe_start() noexcept;
AllocStats alloc_probe_stop() noexcept;

}  // namespace sm::dlms::test
