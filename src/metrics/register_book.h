// RegisterBook: each register of one meter as the last frame that carried it said, with its
// own age (issue 14 item 1). Norwegian/Danish HAN meters push List 1 (power) every ~2 s,
// List 2 (voltages, currents) every ~10 s and List 3 (energy) hourly; exporting "the last
// frame" would drop the voltages at every List 1 and the energy almost always.
//
// Rules (pure functions, unit-tested in register_book_test.cpp):
// - a frame's registers replace the same codes (the k-th occurrence of a code the k-th);
//   codes it does not carry keep their value and their arrival time;
// - a register is current for max(stale_after, 2 x its own refresh interval), at most
//   kRegisterWindowCap; before its interval is known (seen once) for the cap. The interval
//   is learned only between frames that arrived without a gap of stale_after;
// - a frame of another meter (system title or meter id both present and different) while
//   this meter is up replaces nothing (the caller counts it); once this meter is stale, such
//   a frame starts a new book (meter replaced).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "cosem/reading.h"
#include "dlms/security.h"

namespace sm::metrics {

// The clock of arrival times: GoodFrame::received.steady, the one is_fresh() and ages use
// (a wall-clock step moves no age).
using RegisterClock = std::chrono::steady_clock;

// A List 3 every hour, and one of them lost, still leaves the counter continuous.
inline constexpr std::chrono::hours kRegisterWindowCap{3};

struct RegisterStamp {
  RegisterClock::time_point received;               // host time of the last frame carrying it
  std::optional<RegisterClock::duration> interval;  // between its last two arrivals
};

// How long after its last arrival a register is still exported.
[[nodiscard]] RegisterClock::duration register_window(const RegisterStamp& stamp,
                                                      std::chrono::milliseconds stale_after);
[[nodiscard]] bool register_current(const RegisterStamp& stamp,
                                    std::chrono::milliseconds stale_after,
                                    RegisterClock::time_point now);

// The merged registers of one meter: `reading` holds every register still current,
// `stamps` their arrival times (same index). Reading-level fields (meter id, device name,
// list id) are the last ones any frame carried; the meter time is the last frame's.
struct RegisterBook {
  std::shared_ptr<const cosem::Reading> reading;
  std::shared_ptr<const std::vector<RegisterStamp>> stamps;
  std::optional<dlms::SecurityHeader> security;  // of the last frame (its system title)
  RegisterClock::time_point last_received{};     // of the last frame merged
};

enum class MergeVerdict {
  merged,       // same meter (or nothing to tell them apart): registers merged
  other_meter,  // another meter while this one is up: nothing replaced
  new_meter,    // another meter after this one went stale: the book starts anew
};

// Whether `frame` can be merged into `book`, and the merged book when it can.
[[nodiscard]] MergeVerdict merge_frame(RegisterBook& book, const cosem::Reading& reading,
                                       const std::optional<dlms::SecurityHeader>& security,
                                       RegisterClock::time_point received,
                                       std::chrono::milliseconds stale_after);

}  // namespace sm::metrics
