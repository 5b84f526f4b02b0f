// The one helper that renders on several threads (docs/design.md, "Writing JSON"): the pieces
// of a long list are made concurrently and handed over in order. A document of 100,000 jobs
// takes most of a run on one core otherwise, while the load before it uses every core.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace fleetcap::cols {

// make(i) for every i in [0, n), on up to four threads (the caller's among them, fewer on fewer
// cores), and emit(made) on the caller's thread in the order of i. At most a few made pieces
// wait at once, so memory stays a few pieces whatever n is. PlainValues in force on the
// caller's thread is in force on every thread. On a thread already inside in_order (a list
// within a listed row), or on one core, it is a plain loop. An exception from make or emit
// stops the rest and reaches the caller once every thread has ended.
void in_order(std::size_t n, const std::function<std::string(std::size_t)>& make,
              const std::function<void(std::string&&)>& emit);

} // namespace fleetcap::cols
